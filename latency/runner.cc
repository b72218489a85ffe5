#include "latency/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/rng.h"
#include "kernels/conv_geometry.h"
#include "kernels/f32-activation/activation.h"
#include "kernels/f32-bn/bn.h"
#include "kernels/f32-conv/conv.h"
#include "kernels/f32-conv1x1/conv1x1.h"
#include "kernels/f32-dense/dense.h"
#include "kernels/f32-dwconv/dwconv.h"
#include "kernels/f32-pool/pool.h"
#include "kernels/f32-se/se.h"

namespace tunas::latency {

namespace k = tunas::kernels;

namespace {

// "" (no activation) or a space spelling, through the one mapping (core/activation.h).
k::Activation kernel_activation(const std::string& name) {
  Activation act = Activation::none;
  if (!name.empty() && !find_activation(name, act))
    throw Error(str_cat("latency runner: unknown activation '", name, "' (valid: ",
                        activation_spellings(), ")"));
  return act;
}

struct Bn {
  std::vector<float> gamma, beta, mean, var;
  explicit Bn(int c) : gamma(c, 1.f), beta(c, 0.f), mean(c, 0.f), var(c, 1.f) {}
  Bn() = default;
};

}  // namespace

struct InferenceRunner::Op {
  LayerConfig c;
  k::Activation act = k::Activation::none, se_inner = k::Activation::relu,
                se_gate = k::Activation::sigmoid;
  AlignedPtr<float> w1, w_dw, w2, w_se1, w_se2;  // meaning depends on the kind
  std::vector<float> bias, se_b1, se_b2;
  Bn bn1, bn2, bn3;
};

namespace {

AlignedPtr<float> random_weights(Rng& rng, std::size_t count, int fan_in) {
  AlignedPtr<float> w = aligned_array<float>(std::max<std::size_t>(count, 1));
  const double sigma = std::sqrt(2.0 / std::max(fan_in, 1));
  for (std::size_t i = 0; i < count; ++i) w[i] = static_cast<float>(rng.truncated_normal(sigma));
  return w;
}

std::int64_t pixels_of(int batch, int size) { return std::int64_t(batch) * size * size; }

}  // namespace

InferenceRunner::InferenceRunner(std::vector<LayerConfig> layers, int batch, std::uint64_t seed)
    : batch_(batch) {
  TUNAS_REQUIRE(batch >= 1, "latency runner: batch must be >= 1, got ", batch);
  TUNAS_REQUIRE(!layers.empty(), "latency runner: no layers");
  Rng rng(seed, stream_id("tunas_latency/runner"));
  std::int64_t act_max = 1, exp_max = 1, vec_max = 1;
  ops_.reserve(layers.size());
  for (auto& c : layers) {
    Op op;
    op.c = c;
    op.act = kernel_activation(c.activation);
    const int in = c.in_channels, out = c.out_channels, ks = c.kernel;
    act_max = std::max({act_max, pixels_of(batch, c.in_size) * in, pixels_of(batch, c.out_size) * out});
    vec_max = std::max<std::int64_t>({vec_max, std::int64_t(batch) * std::max(in, out)});
    switch (c.kind) {
      case ConfigKind::conv:
        op.w1 = random_weights(rng, std::size_t(ks) * ks * in * out, ks * ks * in);
        if (c.use_batch_norm) op.bn1 = Bn(out); else op.bias.assign(out, 0.01f);
        break;
      case ConfigKind::sepconv:
        op.w_dw = random_weights(rng, std::size_t(ks) * ks * in, ks * ks);
        op.bn1 = Bn(in);
        op.w2 = random_weights(rng, std::size_t(in) * out, in);
        op.bn2 = Bn(out);
        exp_max = std::max(exp_max, pixels_of(batch, c.out_size) * in);
        break;
      case ConfigKind::bottleneck: {
        const int e = c.expansion;
        op.w1 = random_weights(rng, std::size_t(in) * e, in);
        op.bn1 = Bn(e);
        op.w_dw = random_weights(rng, std::size_t(ks) * ks * e, ks * ks);
        op.bn2 = Bn(e);
        op.w2 = random_weights(rng, std::size_t(e) * out, e);
        op.bn3 = Bn(out);
        exp_max = std::max({exp_max, pixels_of(batch, c.in_size) * e, pixels_of(batch, c.out_size) * e});
        vec_max = std::max<std::int64_t>(vec_max, std::int64_t(batch) * e);
        if (c.se_hidden > 0) {
          const auto slash = c.se_activations.find('/');
          op.se_inner = kernel_activation(c.se_activations.substr(0, slash));
          op.se_gate = kernel_activation(c.se_activations.substr(slash + 1));
          op.w_se1 = random_weights(rng, std::size_t(e) * c.se_hidden, e);
          op.se_b1.assign(c.se_hidden, 0.f);
          op.w_se2 = random_weights(rng, std::size_t(c.se_hidden) * e, c.se_hidden);
          op.se_b2.assign(e, 0.f);
        }
        break;
      }
      case ConfigKind::classifier:
        op.w1 = random_weights(rng, std::size_t(in) * out, in);
        op.bias.assign(out, 0.f);
        break;
      case ConfigKind::activation:
      case ConfigKind::global_avg_pool:
      case ConfigKind::detection_endpoint:
      case ConfigKind::zero:
        break;  // no weights
      case ConfigKind::residual:
      case ConfigKind::choice:
        throw Error(str_cat("latency runner: cannot run layer kind '", config_kind_name(c.kind),
                            "' (", c.key(), "): not a resolved layer"));
    }
    ops_.push_back(std::move(op));
  }
  for (std::size_t i = 1; i < ops_.size(); ++i) {
    const LayerConfig &p = ops_[i - 1].c, &c = ops_[i].c;
    TUNAS_REQUIRE(p.out_channels == c.in_channels && p.out_size == c.in_size,
                  "latency runner: layer ", i, " (", c.key(), ") does not read the output of layer ",
                  i - 1, " (", p.key(), ")");
  }
  const std::int64_t input_size = pixels_of(batch, ops_.front().c.in_size) * ops_.front().c.in_channels;
  input_ = aligned_array<float>(std::max<std::int64_t>(input_size, 1));
  a_ = aligned_array<float>(act_max);
  b_ = aligned_array<float>(act_max);
  t1_ = aligned_array<float>(exp_max);
  t2_ = aligned_array<float>(exp_max);
  pooled_ = aligned_array<float>(vec_max);
  hidden_ = aligned_array<float>(vec_max);
  gate_ = aligned_array<float>(vec_max);
  Rng input_rng(seed, stream_id("tunas_latency/input"));
  for (std::int64_t i = 0; i < input_size; ++i) input_[i] = input_rng.uniform() - 0.5f;
  std::fill(a_.get(), a_.get() + act_max, 0.f);
  std::fill(b_.get(), b_.get() + act_max, 0.f);
  std::fill(t1_.get(), t1_.get() + exp_max, 0.f);
  std::fill(t2_.get(), t2_.get() + exp_max, 0.f);
}

InferenceRunner::~InferenceRunner() = default;

void InferenceRunner::run() {
  cur_ = input_.get();
  other_ = a_.get();
  for (Op& op : ops_) run_op(op);
}

int InferenceRunner::num_layers() const { return static_cast<int>(ops_.size()); }

namespace {
InferenceRunner::BnWeights view(Bn& bn) {
  if (bn.gamma.empty()) return {};
  return {bn.gamma.data(), bn.beta.data(), bn.mean.data(), bn.var.data()};
}
float* data_or_null(std::vector<float>& v) { return v.empty() ? nullptr : v.data(); }
}  // namespace

InferenceRunner::LayerWeights InferenceRunner::weights(int layer) {
  TUNAS_REQUIRE(layer >= 0 && layer < num_layers(), "latency runner: layer ", layer,
                " out of range [0, ", num_layers(), ")");
  Op& op = ops_[std::size_t(layer)];
  LayerWeights w;
  w.conv = op.w1.get();
  w.bias = data_or_null(op.bias);
  w.depthwise = op.w_dw.get();
  w.project = op.w2.get();
  w.se_reduce = op.w_se1.get();
  w.se_reduce_bias = data_or_null(op.se_b1);
  w.se_expand = op.w_se2.get();
  w.se_expand_bias = data_or_null(op.se_b2);
  w.bn1 = view(op.bn1);
  w.bn2 = view(op.bn2);
  w.bn3 = view(op.bn3);
  return w;
}

void InferenceRunner::run_timed(std::vector<double>& layer_ms) {
  using Clock = std::chrono::steady_clock;
  layer_ms.resize(ops_.size());
  cur_ = input_.get();
  other_ = a_.get();
  auto t0 = Clock::now();
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    run_op(ops_[i]);
    const auto t1 = Clock::now();
    layer_ms[i] = std::chrono::duration<double, std::milli>(t1 - t0).count();
    t0 = t1;
  }
}

void InferenceRunner::run_op(Op& op) {
  const LayerConfig& c = op.c;
  const int b = batch_, in = c.in_channels, out = c.out_channels;
  const std::int64_t in_px = pixels_of(b, c.in_size), out_px = pixels_of(b, c.out_size);
  float* src = cur_;
  float* dst = other_;
  bool wrote = true;
  switch (c.kind) {
    case ConfigKind::conv: {
      const k::ConvGeometry g = k::same_conv_geometry(b, c.in_size, c.in_size, c.kernel, c.stride);
      k::f32_conv_forward(g, in, out, dst, out, src, in, op.w1.get(), out, std::int64_t(in) * out);
      if (c.use_batch_norm) {
        k::f32_bn_forward_inference(out_px, out, dst, out, dst, out, op.bn1.gamma.data(),
                                    op.bn1.beta.data(), op.bn1.mean.data(), op.bn1.var.data(),
                                    k::Activation::none, k::kBnEpsilon);
      } else {
        for (std::int64_t p = 0; p < out_px; ++p)
          for (int j = 0; j < out; ++j) dst[p * out + j] += op.bias[j];
      }
      break;
    }
    case ConfigKind::sepconv: {
      const k::ConvGeometry g = k::same_conv_geometry(b, c.in_size, c.in_size, c.kernel, c.stride);
      float* t = t1_.get();
      k::f32_dwconv_forward(g, in, t, in, src, in, op.w_dw.get(), in);
      k::f32_bn_forward_inference(out_px, in, t, in, t, in, op.bn1.gamma.data(), op.bn1.beta.data(),
                                  op.bn1.mean.data(), op.bn1.var.data(), op.act, k::kBnEpsilon);
      k::f32_conv1x1_forward(out_px, in, out, dst, out, t, in, op.w2.get(), out);
      k::f32_bn_forward_inference(out_px, out, dst, out, dst, out, op.bn2.gamma.data(),
                                  op.bn2.beta.data(), op.bn2.mean.data(), op.bn2.var.data(),
                                  k::Activation::none, k::kBnEpsilon);
      break;
    }
    case ConfigKind::bottleneck: {
      const int e = c.expansion;
      float* t1 = t1_.get();
      float* t2 = t2_.get();
      k::f32_conv1x1_forward(in_px, in, e, t1, e, src, in, op.w1.get(), e);
      k::f32_bn_forward_inference(in_px, e, t1, e, t1, e, op.bn1.gamma.data(), op.bn1.beta.data(),
                                  op.bn1.mean.data(), op.bn1.var.data(), op.act, k::kBnEpsilon);
      const k::ConvGeometry g = k::same_conv_geometry(b, c.in_size, c.in_size, c.kernel, c.stride);
      k::f32_dwconv_forward(g, e, t2, e, t1, e, op.w_dw.get(), e);
      k::f32_bn_forward_inference(out_px, e, t2, e, t2, e, op.bn2.gamma.data(), op.bn2.beta.data(),
                                  op.bn2.mean.data(), op.bn2.var.data(), op.act, k::kBnEpsilon);
      if (c.se_hidden > 0) {
        const int h = c.se_hidden;
        const std::int64_t ppi = std::int64_t(c.out_size) * c.out_size;
        k::f32_global_avg_pool_forward(b, ppi, e, pooled_.get(), e, t2, e);
        k::f32_dense_forward(b, e, h, hidden_.get(), h, pooled_.get(), e, op.w_se1.get(), h,
                             op.se_b1.data());
        k::f32_activation_forward(op.se_inner, b, h, hidden_.get(), h, hidden_.get(), h);
        k::f32_dense_forward(b, h, e, gate_.get(), e, hidden_.get(), h, op.w_se2.get(), e,
                             op.se_b2.data());
        k::f32_activation_forward(op.se_gate, b, e, gate_.get(), e, gate_.get(), e);
        k::f32_se_gate_forward(b, ppi, e, t2, e, t2, e, gate_.get(), e);
      }
      k::f32_conv1x1_forward(out_px, e, out, dst, out, t2, e, op.w2.get(), out);
      k::f32_bn_forward_inference(out_px, out, dst, out, dst, out, op.bn3.gamma.data(),
                                  op.bn3.beta.data(), op.bn3.mean.data(), op.bn3.var.data(),
                                  k::Activation::none, k::kBnEpsilon);
      if (c.residual) {
        const std::int64_t n = out_px * out;
        for (std::int64_t i = 0; i < n; ++i) dst[i] += src[i];
      }
      break;
    }
    case ConfigKind::activation: {
      k::f32_activation_forward(op.act, in_px, in, dst, in, src, in);
      break;
    }
    case ConfigKind::global_avg_pool: {
      k::f32_global_avg_pool_forward(b, std::int64_t(c.in_size) * c.in_size, in, dst, in, src, in);
      break;
    }
    case ConfigKind::zero: {
      if (c.residual) {
        wrote = false;  // the identity
      } else {
        std::memset(dst, 0, sizeof(float) * std::size_t(out_px) * out);
      }
      break;
    }
    case ConfigKind::classifier: {
      k::f32_conv1x1_bias_forward(in_px, in, out, dst, out, src, in, op.w1.get(), out, op.bias.data());
      break;
    }
    case ConfigKind::detection_endpoint:
      wrote = false;  // no computation
      break;
    case ConfigKind::residual:
    case ConfigKind::choice:
      break;  // refused by the constructor
  }
  if (wrote) {
    // The network input is never overwritten: every run sees the same input values (a
    // buffer fed back run after run drifts to huge or denormal values, and denormals make
    // the kernels many times slower).
    other_ = src == input_.get() ? (dst == a_.get() ? b_.get() : a_.get()) : src;
    cur_ = dst;
  }
}

Timing summarize(std::vector<double> s) {
  Timing t;
  t.repeats = static_cast<int>(s.size());
  if (s.empty()) return t;
  std::sort(s.begin(), s.end());
  auto q = [&](double p) {
    const double pos = p * double(s.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, s.size() - 1);
    return s[lo] + (pos - double(lo)) * (s[hi] - s[lo]);
  };
  t.median_ms = q(0.5);
  t.p10_ms = q(0.1);
  t.p90_ms = q(0.9);
  return t;
}

Timing time_runner(InferenceRunner& runner, int warmup, int repeats) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < warmup; ++i) runner.run();
  std::vector<double> ms;
  ms.reserve(std::size_t(repeats));
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = Clock::now();
    runner.run();
    const auto t1 = Clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return summarize(std::move(ms));
}

}  // namespace tunas::latency
