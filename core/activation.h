// The activations: ONE enum for search spaces, the supernet, the latency runner, the ONNX
// exporter and the kernels (kernels/f32-activation computes them; search_spaces parses them).
//
// Adding an activation: one X(...) line in TUNAS_ACTIVATIONS below, then its value and
// derivative in kernels/f32-activation (activation.h, activation-avx2.h) and its ONNX nodes in
// onnx_export/onnx_model.cc. Every switch over Activation is exhaustive (no default:, built
// with -Werror=switch), so the compiler lists each site that still lacks a case.
#pragma once

#include <string>

namespace tunas {

// X(enumerator, value, spelling), in the order the space parser lists valid values.
//   value     the enumerator's number: never renumbered (kernel tables index by it; none is 0)
//   spelling  the search-space YAML name (TuNAS's names: "swish6" is the hard swish)
#define TUNAS_ACTIVATIONS(X) \
  X(relu, 1, "relu")         \
  X(relu6, 2, "relu6")       \
  X(hswish, 3, "swish6")     \
  X(swish, 5, "swish")       \
  X(sigmoid, 4, "sigmoid")

enum class Activation {
  none = 0,  // the identity: a BN with no activation after it; never written in a space
#define TUNAS_ACTIVATION_ENUMERATOR(id, value, spelling) id = value,
  TUNAS_ACTIVATIONS(TUNAS_ACTIVATION_ENUMERATOR)
#undef TUNAS_ACTIVATION_ENUMERATOR
};

// Enumerators, none included; their values are exactly 0 .. kActivationCount - 1.
inline constexpr int kActivationCount = 1
#define TUNAS_ACTIVATION_ONE(id, value, spelling) +1
    TUNAS_ACTIVATIONS(TUNAS_ACTIVATION_ONE)
#undef TUNAS_ACTIVATION_ONE
    ;
#define TUNAS_ACTIVATION_IN_RANGE(id, value, spelling) \
  static_assert(value > 0 && value < kActivationCount, "activation values must be dense");
TUNAS_ACTIVATIONS(TUNAS_ACTIVATION_IN_RANGE)
#undef TUNAS_ACTIVATION_IN_RANGE

// The YAML spelling; "none" for none.
const char* activation_name(Activation activation);
// The activation spelled `spelling` in a space file (none is not one); false when unknown.
bool find_activation(const std::string& spelling, Activation& activation);
// "relu, relu6, swish6, swish, sigmoid": the valid values, for error messages.
const std::string& activation_spellings();

}  // namespace tunas
