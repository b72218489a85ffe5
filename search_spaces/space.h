// The model of a search space (spec §1): blocks -> layers -> nested decisions, plus the flat
// decision list in the canonical post-order of spec §1.3.
//
// Contract for users of this header (supernet, policy, tools):
//  * Space::decisions is THE index order: an architecture is one choice index per decision
//    (see indices.h). Every decision counts, single-choice ones and ones nested under an
//    unpicked choice included. Children come before their parent; a block's filters
//    decision comes after every decision inside its layers.
//  * Layer fields are Field<T>: `options` holds the possible values (one entry when fixed)
//    and `decision` (-1 when fixed) is the index into Space::decisions that picks one.
//  * Widths are tied per block: block b has one filters decision; every layer of block b
//    outputs that width, and the first layer of block b+1 reads it. Relative expansions are
//    E = scale_filters(active_in, r, filters_base), computed from the ACTIVE input width.
//  * Layer::shape holds the widest case at that position (every choice at its widest), for
//    arena planning and max-width weight tensors, at the network configuration in use.
//  * Semantics: residual(x) = layer(x) + x (inner stride 1, in == out); a zero layer outputs
//    zeros of the input's shape, so residual(zero) is the identity; a choice layer runs the
//    picked child. Conv has a bias only without BN; sepconv = dw(k,s) BN act 1x1 BN;
//    bottleneck = 1x1 BN act, dw(k,s) BN act, [SE], 1x1 BN (the expansion conv is always
//    there). SE hidden width = make_divisible(E/4, filters_base), relu inside, sigmoid gate.
//  * NetworkConfig (resolution, input channels, classes, width multiplier, stride
//    overrides) changes the network that is built, never the decision list: cost-model
//    features stay those of the original space.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/activation.h"
#include "search_spaces/layer_kind.h"

namespace tunas::spaces {

// Decision tags of the original: "op" (op_indices: operation, kernel, SE, skip) and
// "filters" (filters_indices: channel counts or expansion ratios).
enum class Tag { op, filters };
const char* tag_name(Tag tag);  // "op" / "filters"

// The one activation enum (core/activation.h), shared with the kernels.
using ::tunas::Activation;
using ::tunas::activation_name;  // the YAML spelling

// One choice of a decision, for display and for ordering ("largest").
struct Choice {
  std::string label;      // "3", "x6", "96", "SE on", "bottleneck", "zero", "sepconv k3"
  double value = 0;       // kernel size, width, expansion ratio/width, 0/1 for SE; 0 for layers
  bool relative = false;  // value is an expansion multiplier of the input width
};

struct Decision {
  std::string path;  // e.g. "blocks/2/layers/1/layer/choices/0/kernel_size"
  Tag tag = Tag::op;
  std::vector<Choice> choices;
  // The closest enclosing decision and the choice of it that contains this node; -1 when
  // none (hierarchical log-prob accounting, spec §4.2).
  int parent_decision = -1;
  int parent_choice = -1;
  // Index of the largest choice value (filter warm-up, spec §3.1). For decisions over
  // layers, which have no order, 0.
  int largest_choice = 0;

  int size() const { return static_cast<int>(choices.size()); }
};

// An expansion width: an absolute channel count or a multiplier of the input width.
struct Width {
  bool relative = false;
  double value = 0;
  bool operator==(const Width&) const = default;
};

// A layer field: fixed (one option, decision == -1) or searched (options[i] is the value of
// choice i of Space::decisions[decision]).
template <typename T>
struct Field {
  std::vector<T> options;
  int decision = -1;

  bool searched() const { return decision >= 0; }
  // The value picked by an index vector (one entry per decision).
  T pick(const std::vector<int>& indices) const {
    return options[decision < 0 ? 0 : static_cast<std::size_t>(indices[decision])];
  }
};

// Widest case at one layer position, at the current NetworkConfig.
struct LayerShape {
  int in_size = 0;   // spatial input size (square)
  int out_size = 0;  // spatial output size
  int max_in = 0;    // widest input channel count
  int max_out = 0;   // widest output channel count
  // Largest E over input widths and expansion choices (a bottleneck, or the widest
  // bottleneck inside a residual or layer choice); 0 when there is none.
  int max_expansion = 0;
  int max_se_hidden = 0;  // largest SE hidden width (0: SE impossible here)
  int in_width_decision = -1;  // filters decision giving the input width; -1: network input
  int out_width_decision = -1; // filters decision giving the output width (the block's)
};

struct Layer {
  LayerKind kind = LayerKind::zero;
  std::string path;  // "blocks/2/layers/1", "blocks/2/layers/1/layer/choices/0", ...
  std::string source;  // "file:line:column" of the YAML node, for messages
  Field<int> kernel_size;  // conv, sepconv, bottleneck
  Field<Width> expansion;  // bottleneck (YAML/path name: expansion_filters)
  Field<bool> use_se;      // bottleneck (YAML/path name: use_squeeze_and_excite)
  int declared_strides = 1;  // as written in the YAML
  int strides = 1;           // after NetworkConfig::stride_overrides
  bool use_batch_norm = true;  // conv
  Activation activation = Activation::relu;  // sepconv, bottleneck; the function of an activation layer
  Activation se_inner_activation = Activation::relu;
  Activation se_gating_activation = Activation::sigmoid;
  std::vector<Layer> children;  // residual: the wrapped layer; choice: the options
  int decision = -1;            // choice: the decision that picks one child
  LayerShape shape;
};

struct Block {
  std::string path;  // "blocks/3"
  std::vector<Layer> layers;
  int filters_decision = -1;  // always a decision, possibly with one choice
  std::vector<int> widths;    // the filters choices as declared (before width_multiplier)
};

// How the network is instantiated. Never changes Space::decisions.
struct NetworkConfig {
  int resolution = 224;
  int input_channels = 3;
  int classes = 1001;
  double width_multiplier = 1.0;  // every absolute width w becomes scale_filters(w, m, base)
  std::map<std::string, int> stride_overrides;  // layer path -> strides (e.g. stem at 1)
};

struct Space {
  std::string name;         // e.g. "proxylessnas_search"
  std::string source;       // the YAML file it came from
  std::string description;
  int filters_base = 8;
  double target_latency_ms = 0;  // default latency target for the reward (0: none given)
  double weight_decay = 4e-5;    // default L2 weight decay of the original runs
  std::string pixel1_weights;    // TuNAS space whose Pixel-1 latency weights apply ("": none)
  NetworkConfig network;
  std::vector<Block> blocks;
  std::vector<Decision> decisions;  // canonical post-order

  int num_decisions() const { return static_cast<int>(decisions.size()); }
  // log10 of the product of choice counts (the "size" the TuNAS README quotes).
  double log10_cardinality() const;
  int count_tag(Tag tag) const;
  // The output width of block b for an index vector, after the width multiplier.
  int block_width(int block, const std::vector<int>& indices) const;
  // A width as built: scale_filters(w, network.width_multiplier, filters_base).
  int scaled_width(int declared) const;
  // Finds a layer (at any nesting) by its path; nullptr when absent.
  const Layer* find_layer(const std::string& path) const;
};

// Replaces space.network and recomputes strides and every Layer::shape. Throws tunas::Error
// on an invalid configuration (values out of range, unknown override path, a residual or a
// choice whose shapes no longer agree).
void configure_network(Space& space, const NetworkConfig& config);

// The proxy network for small inputs (tunas_search --proxy, tunas_train, tunas_profile): the
// first `layers` top-level layers that downsample (stride 2: the stem, then the first
// stride-2 block) run at stride 1, so a 32x32 input keeps the resolution an ImageNet network
// has after them. Returns NetworkConfig::stride_overrides entries (layer path -> 1).
std::map<std::string, int> proxy_stride_overrides(const Space& space, int layers = 2);

// configure_network for a dataset's images: `resolution`, the data's channels and classes,
// every width x `width_multiplier`, and the proxy strides of `proxy_layers` (0: none). The one
// way the tools build the network they search, train, cost or profile.
void configure_data_network(Space& space, int resolution, int input_channels, int classes,
                            double width_multiplier, int proxy_layers);

}  // namespace tunas::spaces
