// Latency lookup-table keys (paper §E.4, Figure 4: NetAdapt-style per-layer tables).
//
// A LayerConfig is everything that decides how long one resolved layer takes on a machine:
// kind, input/output widths, expansion, kernel, stride, SE hidden width, activations,
// spatial input size, residual add, BN or bias. Fields that do not apply to a kind are
// normalised to 0 / "" so equal work gives equal keys. The classifier (1x1 conv with bias at
// the feature map, Network::feature_*) is one more kind, ConfigKind::classifier.
//
// enumerate_layer_configs(space) lists every DISTINCT configuration the space can produce at
// space.network: for each top-level layer position, every combination of the decisions inside
// that layer with every width of its input and output filters decisions (relative expansions
// are therefore computed from every possible input width), each resolved with
// spaces::resolve, plus the classifier for every width of the last block. Combinations that
// resolve() rejects (a zero layer that cannot keep the width) are skipped: they are not
// architectures of the space.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "search_spaces/network.h"
#include "search_spaces/space.h"

namespace tunas::latency {

// Every layer kind of a space (search_spaces/layer_kind.h), plus the classifier. Resolved
// networks never hold residual (a flag) or choice; they are kinds only to keep one list.
enum class ConfigKind {
#define TUNAS_CONFIG_KIND_ENUMERATOR(id, spelling, fields) id,
  TUNAS_LAYER_KINDS(TUNAS_CONFIG_KIND_ENUMERATOR)
#undef TUNAS_CONFIG_KIND_ENUMERATOR
  classifier,
};
ConfigKind config_kind(spaces::LayerKind kind);
const char* config_kind_name(ConfigKind kind);  // the layer kind's spelling, or "classifier"
// The kind named `name` in a latency table; false when unknown.
bool find_config_kind(const std::string& name, ConfigKind& kind);

struct LayerConfig {
  ConfigKind kind = ConfigKind::zero;
  int in_channels = 0, out_channels = 0;
  int kernel = 0, stride = 1;
  int expansion = 0;  // bottleneck E
  int se_hidden = 0;  // 0: no SE
  std::string activation;      // sepconv, bottleneck, activation; "" otherwise
  std::string se_activations;  // "relu/sigmoid" when SE, "" otherwise
  bool residual = false;
  bool use_batch_norm = false;  // conv only (bias otherwise)
  int in_size = 0, out_size = 0;

  // "bottleneck:i16:o16:k3:s1:e48:se0:relu:r32:res1" style; unique per configuration.
  std::string key() const;
  bool operator==(const LayerConfig&) const = default;
};

LayerConfig config_of(const spaces::ResolvedLayer& layer);
LayerConfig classifier_config(const spaces::Network& network);
// Every layer of the network in execution order, the classifier last.
std::vector<LayerConfig> network_configs(const spaces::Network& network);

// Distinct configurations in first-seen order (deterministic).
std::vector<LayerConfig> enumerate_layer_configs(const spaces::Space& space);


}  // namespace tunas::latency
