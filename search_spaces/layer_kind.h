// The layer kinds of a search space: ONE list, expanded into the enum, the names, the parser's
// lookup and its "valid values" message. Every switch over LayerKind (parser, resolver, cost
// models, supernet builder, latency runner, ONNX exporter, report) is exhaustive, with no
// default:, and the build turns -Wswitch into an error, so a new kind fails to compile at
// each site that does not handle it yet.
#pragma once

#include <string>

namespace tunas::spaces {

// X(enumerator, spelling, fields), in the order the parser lists valid kinds.
//   spelling  the YAML key ("one_of" for choice)
//   fields    true: written as 'kind: {...}'; false: a bare name with no fields
#define TUNAS_LAYER_KINDS(X)                                                             \
  X(conv, "conv", true)              /* kernel_size, strides, use_batch_norm */          \
  X(sepconv, "sepconv", true)        /* kernel_size, strides, activation */              \
  X(bottleneck, "bottleneck", true)  /* kernel_size, expansion_filters, strides, SE,     \
                                        activation, se_inner/gating_activation */        \
  X(activation, "activation", true)  /* the activation's name */                         \
  X(residual, "residual", true)      /* children[0]: the wrapped layer */                \
  X(choice, "one_of", true)          /* a decision over whole layers: children */        \
  X(zero, "zero", false)             /* zeros of the input's shape */                    \
  X(global_avg_pool, "global_avg_pool", false)     /* mean over H, W (kept as 1x1) */    \
  X(detection_endpoint, "detection_endpoint", false) /* nothing; a latency-model layer */

enum class LayerKind {
#define TUNAS_LAYER_KIND_ENUMERATOR(id, spelling, fields) id,
  TUNAS_LAYER_KINDS(TUNAS_LAYER_KIND_ENUMERATOR)
#undef TUNAS_LAYER_KIND_ENUMERATOR
};

const char* layer_kind_name(LayerKind kind);  // the YAML spelling ("one_of" for choice)
// True when the kind is written with fields ('conv: {...}'), false for a bare name ('zero').
bool layer_kind_has_fields(LayerKind kind);
// The kind spelled `spelling` in a space file; false when unknown.
bool find_layer_kind(const std::string& spelling, LayerKind& kind);
// "conv, sepconv, ...": the valid kinds, for error messages.
const std::string& layer_kind_spellings();

}  // namespace tunas::spaces
