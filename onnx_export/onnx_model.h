// The ONNX graph of a stand-alone network (an architecture at exact widths, as
// supernet::prune_space builds it and tunas_train trains it), written with Debian's
// libonnx-dev (generated onnx-ml.pb.h, onnx::checker) on libprotobuf.
//
// The model (opset 14, IR version 8), NCHW float32:
//   input  images [N, C_src, H_src, W_src]: raw pixel values in [0, 255] at the data set's
//          own size (Fashion-MNIST: [N, 1, 28, 28]).
//   the engine's evaluation preprocessing (datasets/preprocess.h without augmentation):
//          Pad (centred zeros, the odd pixel after) or Resize (linear, half_pixel, no
//          antialiasing) to the network's resolution, Concat x3 for grey -> 3 channels,
//          Sub mean, Mul 1/std (the engine's own float constants).
//   layers Conv with TF-SAME padding as explicit asymmetric pads (depthwise: group = C);
//          BatchNormalization in INFERENCE form with the moving statistics, epsilon 1e-3
//          (not folded into the convs: the file holds exactly what the engine holds, and
//          runtimes fold BN themselves); Relu, Clip(0, 6), HardSwish, Sigmoid, x*Sigmoid(x)
//          for swish; GlobalAveragePool; squeeze-excite as GlobalAveragePool -> Conv 1x1+bias
//          -> act -> Conv 1x1+bias -> gate -> Mul; residuals as Add.
//   output logits [N, classes]: Flatten -> Gemm (the classifier).
// metadata_props: tunas.space, tunas.indices, tunas.cost_model, tunas.cost, tunas.cost_unit,
// tunas.latency_ms (when known), tunas.class_names (JSON list), tunas.preprocessing (JSON).
//
// Initializers take the engine's parameter names; conv kernels are transposed from HWIO to
// OIHW. Errors (tunas::Error): a tensor missing or shaped unlike the architecture (weights of
// another network), a zero layer outside a residual (the output would not depend on the
// input: refused, naming the layer).
#pragma once

#include <string>

#include "onnx_export/export.h"
#include "onnx/onnx_pb.h"

namespace tunas::onnx_export {

inline constexpr int kOpsetVersion = 14;  // HardSwish needs 14
inline constexpr int kIrVersion = 8;

// `net` must be a stand-alone network (every decision single-choice) whose moving BN
// statistics hold the values to export (BnMode::stateful after training, or set by hand).
onnx::ModelProto build_onnx_model(supernet::Supernet& net, const datasets::ImageSet& images,
                                  const datasets::PreprocessConfig& preprocess,
                                  const ModelInfo& info);

// onnx::checker::check_model, then an atomic write (core/files.h). Errors name the path.
void write_onnx_model(const std::string& path, const onnx::ModelProto& model);
// Parses a file (tests); throws tunas::Error naming the path when it is not an ONNX model.
onnx::ModelProto read_onnx_model(const std::string& path);

}  // namespace tunas::onnx_export
