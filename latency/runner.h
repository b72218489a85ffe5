// A plain inference runner built from the engine's kernels: the ONE execution path used both
// to time single layers (the profiler) and whole networks (the validation), so the table and
// the end-to-end figures measure the same code.
//
// Per layer (NHWC, batch b, inference-mode BN with moving statistics and the supernet's
// epsilon kernels::kBnEpsilon, activation fused into BN as in kernels/f32-bn):
//   conv        f32_conv_forward, then BN (or a bias)
//   sepconv     dw(k,s) BN+act, 1x1 BN
//   bottleneck  1x1 BN+act, dw(k,s) BN+act, [SE: GAP, dense+bias, act, dense+bias, gate act,
//               gate multiply], 1x1 BN, [+ x]
//   activation  f32_activation_forward;  global_avg_pool  f32_global_avg_pool_forward
//   zero        zeros (residual zero: the identity, nothing runs); detection_endpoint: nothing
//   classifier  1x1 conv with bias at the feature map
// Weights are random (He-scaled normal, fixed seed; BN gamma 1, beta 0, mean 0, variance 1):
// values do not change the time, but keep activations away from denormals.
//
// Construction allocates every weight and activation buffer; run() allocates nothing, so a
// timed run() excludes allocation (STYLE G2/G9).
#pragma once

#include <cstdint>
#include <vector>

#include "core/memory.h"
#include "latency/layer_config.h"

namespace tunas::latency {

class InferenceRunner {
 public:
  // Throws tunas::Error for a kind it cannot run or inconsistent shapes between layers.
  InferenceRunner(std::vector<LayerConfig> layers, int batch, std::uint64_t seed = 0);
  ~InferenceRunner();
  InferenceRunner(const InferenceRunner&) = delete;
  InferenceRunner& operator=(const InferenceRunner&) = delete;

  void run();  // one forward pass over every layer
  // run(), with a clock read between layers: layer_ms[i] = milliseconds of layer i
  // (resized to num_layers()). The layers see the caches a whole-network run leaves them.
  void run_timed(std::vector<double>& layer_ms);
  int num_layers() const;
  int batch() const { return batch_; }

  // Layer i's weights, to run trained values instead of the random ones (the test that the
  // runner computes what the supernet computes). nullptr where the kind has no such tensor.
  // Layouts are the supernet's: conv HWIO [k][k][in][out], depthwise [k][k][C], 1x1 and dense
  // [in][out]. BN: gamma, beta, moving mean, moving variance, [C] each.
  //   conv        conv (+ bn1, or bias without BN)
  //   sepconv     depthwise, bn1, project, bn2
  //   bottleneck  conv (the expansion 1x1), bn1, depthwise, bn2, [se_reduce, se_reduce_bias,
  //               se_expand, se_expand_bias], project, bn3
  //   classifier  conv (1x1), bias
  struct BnWeights {
    float *gamma = nullptr, *beta = nullptr, *mean = nullptr, *variance = nullptr;
  };
  struct LayerWeights {
    float *conv = nullptr, *bias = nullptr, *depthwise = nullptr, *project = nullptr;
    float *se_reduce = nullptr, *se_reduce_bias = nullptr, *se_expand = nullptr,
          *se_expand_bias = nullptr;
    BnWeights bn1, bn2, bn3;
  };
  LayerWeights weights(int layer);
  // The network input [batch][in_size^2][in_channels] that run() reads (random at first).
  float* input() { return input_.get(); }
  // The output of the last run (for tests): [batch][out_size^2][out_channels] of the last layer.
  const float* output() const { return cur_; }

 private:
  struct Op;
  void run_op(Op& op);

  std::vector<Op> ops_;
  int batch_ = 1;
  AlignedPtr<float> input_;  // the network input: read, never written
  AlignedPtr<float> a_, b_, t1_, t2_, pooled_, hidden_, gate_;  // a_/b_: ping-pong activations
  float* cur_ = nullptr;  // input of the next layer
  float* other_ = nullptr;
};

// Median, 10th and 90th percentile (linear interpolation) of `samples` in ms.
struct Timing {
  double median_ms = 0, p10_ms = 0, p90_ms = 0;
  int repeats = 0;
};
Timing summarize(std::vector<double> samples_ms);
// warmup runs, then `repeats` timed runs of runner.run() (steady_clock around each run).
Timing time_runner(InferenceRunner& runner, int warmup, int repeats);

}  // namespace tunas::latency
