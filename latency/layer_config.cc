#include "latency/layer_config.h"

#include <functional>
#include <set>

#include "core/error.h"

namespace tunas::latency {

ConfigKind config_kind(spaces::LayerKind kind) {
  switch (kind) {
#define TUNAS_CONFIG_KIND_OF(id, spelling, fields) \
  case spaces::LayerKind::id: return ConfigKind::id;
    TUNAS_LAYER_KINDS(TUNAS_CONFIG_KIND_OF)
#undef TUNAS_CONFIG_KIND_OF
  }
  return ConfigKind::zero;
}

const char* config_kind_name(ConfigKind kind) {
  switch (kind) {
#define TUNAS_CONFIG_KIND_NAME(id, spelling, fields) \
  case ConfigKind::id: return spelling;
    TUNAS_LAYER_KINDS(TUNAS_CONFIG_KIND_NAME)
#undef TUNAS_CONFIG_KIND_NAME
    case ConfigKind::classifier: return "classifier";
  }
  return "?";
}

bool find_config_kind(const std::string& name, ConfigKind& kind) {
  spaces::LayerKind layer_kind = spaces::LayerKind::zero;
  if (spaces::find_layer_kind(name, layer_kind)) {
    kind = config_kind(layer_kind);
    return true;
  }
  if (name != config_kind_name(ConfigKind::classifier)) return false;
  kind = ConfigKind::classifier;
  return true;
}

std::string LayerConfig::key() const {
  std::string k = str_cat(config_kind_name(kind), ":i", in_channels, ":o", out_channels, ":k", kernel, ":s", stride,
                          ":e", expansion, ":se", se_hidden);
  if (!se_activations.empty()) k += ":" + se_activations;
  if (!activation.empty()) k += ":" + activation;
  k += str_cat(":r", in_size, ":res", residual ? 1 : 0);
  if (kind == ConfigKind::conv) k += use_batch_norm ? ":bn" : ":bias";
  return k;
}

LayerConfig config_of(const spaces::ResolvedLayer& l) {
  using spaces::LayerKind;
  LayerConfig c;
  c.kind = config_kind(l.kind);
  c.in_channels = l.in_channels;
  c.out_channels = l.out_channels;
  c.in_size = l.in_size;
  c.out_size = l.out_size;
  c.residual = l.residual;
  c.stride = l.strides;
  switch (l.kind) {
    case LayerKind::conv:
      c.kernel = l.kernel_size;
      c.use_batch_norm = l.use_batch_norm;
      break;
    case LayerKind::sepconv:
      c.kernel = l.kernel_size;
      c.activation = spaces::activation_name(l.activation);
      break;
    case LayerKind::bottleneck:
      c.kernel = l.kernel_size;
      c.expansion = l.expansion;
      c.activation = spaces::activation_name(l.activation);
      if (l.use_se) {
        c.se_hidden = l.se_hidden;
        c.se_activations = str_cat(spaces::activation_name(l.se_inner_activation), "/",
                                   spaces::activation_name(l.se_gating_activation));
      }
      break;
    case LayerKind::activation:
      c.activation = spaces::activation_name(l.activation);
      break;
    case LayerKind::global_avg_pool:
    case LayerKind::detection_endpoint:
    case LayerKind::zero:
    case LayerKind::residual:
    case LayerKind::choice:
      break;
  }
  return c;
}

LayerConfig classifier_config(const spaces::Network& net) {
  LayerConfig c;
  c.kind = ConfigKind::classifier;
  c.in_channels = net.feature_channels;
  c.out_channels = net.classes;
  c.kernel = 1;
  c.in_size = net.feature_size;
  c.out_size = net.feature_size;
  return c;
}

std::vector<LayerConfig> network_configs(const spaces::Network& net) {
  std::vector<LayerConfig> out;
  out.reserve(net.layers.size() + 1);
  for (const auto& l : net.layers) out.push_back(config_of(l));
  out.push_back(classifier_config(net));
  return out;
}

namespace {

void collect_decisions(const spaces::Layer& layer, std::set<int>& out) {
  for (int d : {layer.kernel_size.decision, layer.expansion.decision, layer.use_se.decision,
                layer.decision})
    if (d >= 0) out.insert(d);
  for (const auto& child : layer.children) collect_decisions(child, out);
}

bool starts_with_path(const std::string& path, const std::string& prefix) {
  return path == prefix || (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
                            path[prefix.size()] == '/');
}

// Calls visit(indices) for every combination of the decisions in `ds` (others at 0).
void for_each_combination(const spaces::Space& space, const std::vector<int>& ds,
                          const std::function<void(const spaces::Indices&)>& visit) {
  spaces::Indices idx(space.decisions.size(), 0);
  std::function<void(std::size_t)> rec = [&](std::size_t i) {
    if (i == ds.size()) {
      visit(idx);
      return;
    }
    for (int c = 0; c < space.decisions[ds[i]].size(); ++c) {
      idx[ds[i]] = c;
      rec(i + 1);
    }
    idx[ds[i]] = 0;
  };
  rec(0);
}

}  // namespace

std::vector<LayerConfig> enumerate_layer_configs(const spaces::Space& space) {
  std::vector<LayerConfig> out;
  std::set<std::string> seen;
  auto add = [&](const LayerConfig& c) {
    if (seen.insert(c.key()).second) out.push_back(c);
  };
  for (const auto& block : space.blocks) {
    for (const auto& layer : block.layers) {
      std::set<int> ds;
      collect_decisions(layer, ds);
      if (layer.shape.in_width_decision >= 0) ds.insert(layer.shape.in_width_decision);
      if (layer.shape.out_width_decision >= 0) ds.insert(layer.shape.out_width_decision);
      const std::vector<int> list(ds.begin(), ds.end());
      for_each_combination(space, list, [&](const spaces::Indices& idx) {
        spaces::Network net;
        try {
          net = spaces::resolve(space, idx);
        } catch (const Error&) {
          return;  // not an architecture of the space (e.g. zero with in != out)
        }
        for (const auto& l : net.layers)
          if (starts_with_path(l.path, layer.path)) add(config_of(l));
      });
    }
  }
  // The classifier reads the last block's width.
  std::vector<int> last;
  if (!space.blocks.empty() && space.blocks.back().filters_decision >= 0)
    last.push_back(space.blocks.back().filters_decision);
  for_each_combination(space, last, [&](const spaces::Indices& idx) {
    try {
      add(classifier_config(spaces::resolve(space, idx)));
    } catch (const Error&) {
    }
  });
  return out;
}

}  // namespace tunas::latency
