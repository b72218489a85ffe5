// A concrete network: one architecture of a space, resolved to a flat list of layers with
// fixed kernel sizes, widths, strides and spatial sizes (for show, MACs/params counts and
// stand-alone training).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "search_spaces/indices.h"
#include "search_spaces/space.h"

namespace tunas::spaces {

struct ResolvedLayer {
  // conv, sepconv, bottleneck, activation, global_avg_pool, detection_endpoint or zero
  // (never residual or choice: those are resolved away).
  LayerKind kind = LayerKind::zero;
  std::string path;  // the concrete layer's path in the space
  int block = 0;
  // true: output = layer(x) + x. A residual zero is the identity (no computation, no add);
  // a zero outside a residual outputs zeros.
  bool residual = false;
  int in_channels = 0;
  int out_channels = 0;
  int kernel_size = 0;  // conv, sepconv, bottleneck
  int strides = 1;
  int expansion = 0;    // bottleneck: E (absolute, after rounding)
  bool use_se = false;  // bottleneck
  int se_hidden = 0;    // make_divisible(E/4, filters_base) when use_se
  bool use_batch_norm = true;  // conv (bias only without BN)
  Activation activation = Activation::relu;  // sepconv, bottleneck, activation
  Activation se_inner_activation = Activation::relu;
  Activation se_gating_activation = Activation::sigmoid;
  int in_size = 0;   // spatial, square
  int out_size = 0;
};

struct Network {
  std::vector<ResolvedLayer> layers;
  int resolution = 224;
  int input_channels = 3;
  int classes = 1001;
  int feature_channels = 0;  // input width of the classifier (1x1 conv with bias)
  int feature_size = 0;      // spatial size reaching the classifier (1 after global pooling)
};

// Resolves an architecture at space.network. Throws on a bad index vector or when the picked
// zero layer cannot keep the width (zero at a position where in != out).
Network resolve(const Space& space, const Indices& indices);
// One top-level layer of block `block` as `indices` pick it, reading `in_channels` at
// in_size x in_size and writing the block width `out_channels` (what resolve() does per layer;
// indices are not checked).
ResolvedLayer resolve_layer(const Space& space, const Indices& indices, const Layer& layer,
                            int block, int in_channels, int out_channels, int in_size);

// Trainable parameters (conv kernels, biases where there is no BN, BN gamma/beta, SE convs
// with biases, the classifier with bias). BN moving statistics are not counted.
std::int64_t layer_params(const ResolvedLayer& layer);
std::int64_t count_params(const Network& network);
// Multiply-accumulates of convs, depthwise convs, SE 1x1 convs and the classifier (at the
// classifier's spatial size). Elementwise work (BN, activations, adds, pooling, SE scaling)
// is not counted.
std::int64_t layer_macs(const ResolvedLayer& layer);
std::int64_t count_macs(const Network& network);

// A readable table: one row per layer (path, kind, kernel, expansion, in->out width, SE,
// stride, activation, spatial size), then the classifier and the totals.
std::string format_network(const Network& network);

}  // namespace tunas::spaces
