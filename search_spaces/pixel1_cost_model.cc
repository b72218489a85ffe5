#include "search_spaces/pixel1_cost_model.h"

#include <map>
#include <mutex>

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "search_spaces/catalog.h"

namespace tunas::spaces {
namespace {

using Vec = std::vector<double>;

Vec kron(const Vec& a, const Vec& b) {
  Vec out;
  out.reserve(a.size() * b.size());
  for (double x : a)
    for (double y : b) out.push_back(x * y);
  return out;
}

Vec mask_of(const Masks& masks, int decision) {
  const auto& m = masks[static_cast<std::size_t>(decision)];
  return Vec(m.begin(), m.end());
}

// F of a field: [1] when fixed, else the decision's mask (each choice is a primitive).
template <typename T>
Vec field_features(const Field<T>& field, const Masks& masks) {
  return field.searched() ? mask_of(masks, field.decision) : Vec{1.0};
}

Vec layer_features(const Layer& layer, const Masks& masks) {
  switch (layer.kind) {
    case LayerKind::conv:
    case LayerKind::sepconv:
      // Other fields (strides, use_batch_norm, activation) are fixed: [1].
      return field_features(layer.kernel_size, masks);
    case LayerKind::bottleneck:
      return kron(kron(field_features(layer.kernel_size, masks), field_features(layer.expansion, masks)),
                  field_features(layer.use_se, masks));
    case LayerKind::residual:
      return layer_features(layer.children[0], masks);
    case LayerKind::choice: {
      const auto& m = masks[static_cast<std::size_t>(layer.decision)];
      Vec out;
      for (std::size_t i = 0; i < layer.children.size(); ++i) {
        for (double v : layer_features(layer.children[i], masks)) out.push_back(m[i] * v);
      }
      return out;
    }
    case LayerKind::activation:
    case LayerKind::global_avg_pool:
    case LayerKind::detection_endpoint:
    case LayerKind::zero:
      return {1.0};
  }
  return {1.0};
}

class Pixel1CostModel final : public CostModel {
 public:
  Pixel1CostModel(Space space, Pixel1Weights weights)
      : CostModel(std::move(space)), weights_(std::move(weights)) {}
  std::string name() const override { return "tunas_pixel1"; }
  std::string unit() const override { return "ms"; }
  double cost(const Masks& masks) const override {
    const Vec phi = pixel1_features(space(), masks);
    double sum = weights_.bias;
    for (std::size_t i = 0; i < phi.size(); ++i) sum += weights_.kernel[i] * phi[i];
    return sum;
  }

 private:
  Pixel1Weights weights_;
};

}  // namespace

std::vector<double> pixel1_features(const Space& space, const Masks& masks) {
  check_masks(space, masks);
  Vec phi;
  bool have_in = false;
  Vec in;
  for (const Block& block : space.blocks) {
    const Vec out = mask_of(masks, block.filters_decision);
    for (const Layer& layer : block.layers) {
      const Vec f = have_in ? kron(kron(out, in), layer_features(layer, masks))
                            : kron(out, layer_features(layer, masks));
      if (f.size() > 1) phi.insert(phi.end(), f.begin(), f.end());
      in = out;
      have_in = true;
    }
  }
  if (phi.empty()) phi.push_back(1.0);
  return phi;
}

Pixel1Weights load_pixel1_weights(const std::string& file, const std::string& space_name) {
  static std::mutex mutex;
  static std::map<std::string, JsonDocument> cache;  // parsed once per file
  const JsonDocument* doc = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(file);
    if (it == cache.end()) {
      TUNAS_REQUIRE(file_exists(file), file, ": cannot open the Pixel-1 cost model weights (set "
                                             "TUNAS_DATA_DIR to the directory holding search_spaces/)");
      it = cache.emplace(file, read_json_file(file)).first;
    }
    doc = &it->second;  // map nodes stay put; entries are never erased
  }
  const JsonField spaces = JsonField(*doc, file)["spaces"];
  TUNAS_REQUIRE(spaces.is_object(), file, ": no 'spaces' mapping in the cost model file");
  const JsonField entry = spaces[space_name];
  if (!entry) {
    std::string names;
    for (const std::string& name : spaces.keys()) names += (names.empty() ? "" : ", ") + name;
    throw Error(str_cat(file, ": no Pixel-1 weights for '", space_name, "' (available: ", names, ")"));
  }
  Pixel1Weights w;
  w.bias = entry["bias"].as<double>();
  const JsonField kernel = entry["kernel"];
  TUNAS_REQUIRE(kernel.is_array(), file, ": spaces.", space_name, ".kernel must be a list of numbers");
  w.kernel.reserve(kernel.size());
  for (std::size_t i = 0; i < kernel.size(); ++i) w.kernel.push_back(kernel[i].as<double>());
  if (const JsonField n = entry["num_features"]) {
    TUNAS_REQUIRE(n.as<std::size_t>() == w.kernel.size(), file, ": spaces.", space_name, ".kernel has ",
                  w.kernel.size(), " values, num_features says ", n.as<std::size_t>());
  }
  return w;
}

std::unique_ptr<CostModel> make_pixel1_cost_model(const Space& space, const CostModelOptions& options) {
  TUNAS_REQUIRE(!space.pixel1_weights.empty(), "cost model tunas_pixel1: space '", space.name,
                "' (", space.source, ") names no Pixel-1 weights; it exists for "
                "proxylessnas_search, proxylessnas_enlarged_search and mobilenet_v3_like_search "
                "(key 'pixel1_weights' in the YAML, for a space with the same decisions)");
  const std::string file = options.file.empty() ? data_file("tunas_cost_model.json") : options.file;
  Pixel1Weights weights = load_pixel1_weights(file, space.pixel1_weights);
  // The feature length depends only on the decisions, so one-hot zeros give it.
  const std::size_t length = pixel1_features(space, one_hot_masks(space, Indices(space.decisions.size(), 0))).size();
  TUNAS_REQUIRE(length == weights.kernel.size(), "cost model tunas_pixel1: the weights of '",
                space.pixel1_weights, "' have ", weights.kernel.size(), " features but space '",
                space.name, "' gives ", length, " (its decisions differ from that space)");
  return std::make_unique<Pixel1CostModel>(space, std::move(weights));
}

}  // namespace tunas::spaces
