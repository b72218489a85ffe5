#include "search_spaces/cost_model.h"

#include "core/error.h"
#include "search_spaces/expected_cost.h"
#include "search_spaces/network.h"
#include "search_spaces/pixel1_cost_model.h"

namespace tunas::spaces {
namespace {

// Exact counts of the resolved network; fractional (warm-up) masks give the expected count
// (expected_cost.h), as the Pixel-1 model costs them.
class CountCostModel final : public CostModel {
 public:
  enum class What { macs, params };
  CountCostModel(Space space, What what) : CostModel(std::move(space)), what_(what) {}
  std::string name() const override { return what_ == What::macs ? "macs" : "params"; }
  std::string unit() const override { return what_ == What::macs ? "MACs" : "parameters"; }
  double cost(const Masks& masks) const override {
    const bool macs = what_ == What::macs;
    return expected_network_cost(
        space(), masks,
        [macs](const ResolvedLayer& l) { return double(macs ? layer_macs(l) : layer_params(l)); },
        [macs](const Network& head) { return double(macs ? count_macs(head) : count_params(head)); });
  }

 private:
  What what_;
};

std::unique_ptr<CostModel> make_macs(const Space& space, const CostModelOptions&) {
  return std::make_unique<CountCostModel>(space, CountCostModel::What::macs);
}
std::unique_ptr<CostModel> make_params(const Space& space, const CostModelOptions&) {
  return std::make_unique<CountCostModel>(space, CountCostModel::What::params);
}

}  // namespace

double CostModel::cost_of(const Indices& indices) const {
  return cost(one_hot_masks(space_, indices));
}

namespace {
std::vector<CostModelEntry>& mutable_registry() {
  static std::vector<CostModelEntry> entries = {
      {"tunas_pixel1", "TuNAS simulated Pixel-1 latency (ms), linear model of spec §5",
       &make_pixel1_cost_model},
      {"macs", "multiply-accumulates of the resolved network", &make_macs},
      {"params", "trainable parameters of the resolved network", &make_params},
  };
  return entries;
}
}  // namespace

const std::vector<CostModelEntry>& cost_model_registry() { return mutable_registry(); }

void register_cost_model(const CostModelEntry& entry) {
  for (const CostModelEntry& e : mutable_registry()) {
    if (std::string(e.name) == entry.name)
      throw Error(str_cat("cost model '", entry.name, "' is already registered"));
  }
  mutable_registry().push_back(entry);
}

std::vector<std::string> cost_model_names() {
  std::vector<std::string> names;
  for (const CostModelEntry& e : cost_model_registry()) names.emplace_back(e.name);
  return names;
}

std::unique_ptr<CostModel> make_cost_model(const std::string& name, const Space& space,
                                           const CostModelOptions& options) {
  for (const CostModelEntry& e : cost_model_registry()) {
    if (name == e.name) return e.make(space, options);
  }
  std::string names;
  for (const std::string& n : cost_model_names()) names += (names.empty() ? "" : ", ") + n;
  throw Error(str_cat("unknown cost model '", name, "' (valid: ", names, ")"));
}

}  // namespace tunas::spaces
