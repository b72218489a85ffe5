// Node classes of the supernet and every forward/backward rule (STYLE G10, G12).
#include "supernet/graph.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/error.h"
#include "core/threads.h"
#include "kernels/conv_geometry.h"
#include "kernels/f32-bn/bn.h"
#include "kernels/f32-conv/conv.h"
#include "kernels/f32-conv1x1/conv1x1.h"
#include "kernels/f32-dense/dense.h"
#include "kernels/f32-dwconv/dwconv.h"
#include "kernels/f32-pool/pool.h"
#include "kernels/f32-se/se.h"
#include "kernels/optim/optim.h"
#include "search_spaces/rounding.h"

namespace tunas::supernet::detail {

namespace k = ::tunas::kernels;
using spaces::LayerKind;

// ---- workspace -------------------------------------------------------------------------------

namespace {
// Sizing addresses: aligned, distinct per live allocation, never null, never dereferenced.
constexpr std::uintptr_t kSizingBase = std::uintptr_t(1) << 20;
}  // namespace

void Workspace::begin_sizing() {
  TUNAS_CHECK(arena_.used() == 0, "Workspace::begin_sizing with live allocations");
  sizing_ = true;
  used_ = peak_ = 0;
}

void Workspace::end_sizing() {
  sizing_ = false;
  sized_ = true;
  used_ = peak_ = 0;
}

void Workspace::reserve(std::size_t bytes) {
  arena_.reserve(bytes);
  bn_scratch_ = aligned_array<float>(std::size_t(std::max<std::int64_t>(bn_scratch_floats_, 1)));
}

float* Workspace::bn_scratch(std::int64_t floats) {
  if (sizing_) {
    bn_scratch_floats_ = std::max(bn_scratch_floats_, floats);
    return nullptr;
  }
  if (!bn_scratch_ || floats > bn_scratch_floats_) {
    TUNAS_CHECK(!sized_, "BN scratch: need ", floats, " floats, planned ", bn_scratch_floats_,
                " (the worst-case plan is wrong)");
    bn_scratch_floats_ = std::max<std::int64_t>(floats, 1);
    bn_scratch_ = aligned_array<float>(std::size_t(bn_scratch_floats_));
  }
  return bn_scratch_.get();
}

float* Workspace::floats(std::int64_t count) {
  const std::size_t n = std::size_t(std::max<std::int64_t>(count, 1));
  if (!sizing_) return arena_.allocate_floats(n);
  float* p = reinterpret_cast<float*>(kSizingBase + used_);
  used_ += align_up(n * sizeof(float));
  peak_ = std::max(peak_, used_);
  return p;
}

float* Workspace::zeros(std::int64_t count) {
  float* p = floats(count);
  if (count > 0 && !sizing_) {
    const auto body = [p](std::int64_t b, std::int64_t e) { std::fill(p + b, p + e, 0.f); };
    parallel_for(count, 1 << 16, body);
  }
  return p;
}

void Workspace::rewind(std::size_t mark) {
  if (!sizing_) {
    arena_.rewind(mark);
    return;
  }
  TUNAS_CHECK(mark <= used_, "Workspace::rewind to ", mark, " beyond used ", used_);
  used_ = mark;
}

// ---- element-wise helpers ----------------------------------------------------------------------

namespace {

constexpr std::int64_t kGrain = 1 << 15;

Act alloc(Ctx& ctx, int n, int h, int w, int c) {
  Act a{nullptr, n, h, w, c};
  a.data = ctx.ws->floats(a.size());
  return a;
}
Act alloc_like(Ctx& ctx, const Act& s) { return alloc(ctx, s.n, s.h, s.w, s.c); }

// x = 0 over count floats.
void fill_zero(const Ctx& ctx, std::int64_t count, float* x) {
  if (ctx.sizing) return;
  parallel_for(count, kGrain, [=](std::int64_t b, std::int64_t e) { std::fill(x + b, x + e, 0.f); });
}

}  // namespace

void Node::backward_fresh(Ctx& ctx, const Act& dy, const Act& dx, float reg) {
  fill_zero(ctx, dx.size(), dx.data);
  backward(ctx, dy, dx, reg);
}

namespace {

Act zeros_like(Ctx& ctx, const Act& s) {
  Act a = s;
  a.data = ctx.ws->zeros(s.size());
  return a;
}

// The element-wise helpers (parallel_for takes a FunctionRef: no heap allocation in a step).
// y += a * x
void axpy(const Ctx& ctx, std::int64_t count, float a, const float* x, float* y) {
  if (ctx.sizing) return;
  const auto body = [=](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) y[i] += a * x[i];
  };
  parallel_for(count, kGrain, body);
}
// y += x
void add_to(const Ctx& ctx, std::int64_t count, const float* x, float* y) {
  if (ctx.sizing) return;
  const auto body = [=](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) y[i] += x[i];
  };
  parallel_for(count, kGrain, body);
}
// y = a * x
void scale_into(const Ctx& ctx, std::int64_t count, float a, const float* x, float* y) {
  if (ctx.sizing) return;
  const auto body = [=](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) y[i] = a * x[i];
  };
  parallel_for(count, kGrain, body);
}
// y = x + r
void sum_into(const Ctx& ctx, std::int64_t count, const float* x, const float* r, float* y) {
  if (ctx.sizing) return;
  const auto body = [=](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) y[i] = x[i] + r[i];
  };
  parallel_for(count, kGrain, body);
}

// Masked L2 of one active kernel slice (§3.8): the loss in the forward pass (once, not in
// rematerialised re-runs), the gradient wd*reg*grad_scale*w in the backward pass.
void l2_forward(Ctx& ctx, std::int64_t offset, int rank, const std::int64_t* extents,
                const std::int64_t* strides, float reg) {
  if (ctx.sizing || ctx.recompute > 0 || ctx.weight_decay == 0.f) return;
  ctx.reg_loss += k::f32_l2_decay(rank, extents, strides, nullptr, ctx.w + offset,
                                  ctx.weight_decay, reg);
}
void l2_backward(Ctx& ctx, std::int64_t offset, int rank, const std::int64_t* extents,
                 const std::int64_t* strides, float reg) {
  if (ctx.sizing || ctx.weight_decay == 0.f) return;
  (void)k::f32_l2_decay(rank, extents, strides, ctx.g + offset, ctx.w + offset,
                        ctx.weight_decay, reg * ctx.grad_scale);
}
// A [rows][cols] prefix of a [*][row_stride] matrix.
void l2_matrix(Ctx& ctx, bool backward, std::int64_t offset, int rows, int cols,
               std::int64_t row_stride, float reg) {
  const std::int64_t extents[2] = {rows, cols};
  const std::int64_t strides[2] = {row_stride, 1};
  if (backward) l2_backward(ctx, offset, 2, extents, strides, reg);
  else l2_forward(ctx, offset, 2, extents, strides, reg);
}

// The BN kernels' scratch for a call on z. The forward asks while sizing (the backward of the
// same z needs no more), so the plan holds every call's.
float* bn_scratch(Ctx& ctx, const Act& z) {
  return ctx.ws->bn_scratch(k::f32_bn_scratch_floats(z.pixels(), z.c));
}
// 1x1 conv z = x * W[:cin, :cout] on a row range: the producer of a BN's input, run chunk by
// chunk inside the batch statistics (kernels/f32-bn BnRowsHook) so z is read once, not twice.
struct Conv1x1Rows {
  const Act& x;
  const Act& z;
  const float* w;
  std::int64_t w_stride;
  void operator()(std::int64_t r0, std::int64_t r1) const {
    k::f32_conv1x1_forward_serial(r1 - r0, x.c, z.c, z.data + r0 * z.c, z.c, x.data + r0 * x.c,
                                  x.c, w, w_stride);
  }
};
// dx += dz * W[:cin, :cout]^T on a row range: the consumer of a BN backward's output, run on
// each block of dz right after the BN backward wrote it, so dz is read once, not twice.
struct Conv1x1DataRows {
  const Act& dz;
  const Act& dx;
  const float* w;
  std::int64_t w_stride;
  void operator()(std::int64_t r0, std::int64_t r1) const {
    k::f32_conv1x1_backward_data_serial(r1 - r0, dx.c, dz.c, dx.data + r0 * dx.c, dx.c,
                                        dz.data + r0 * dz.c, dz.c, w, w_stride);
  }
};

// BN (+ fused activation) on z -> y, per the context's mode. mean/inv_std: saved state.
// produce, when given, writes z (Conv1x1Rows): inside the statistics in training, else first
// (over row ranges in parallel).
// A hook (a FunctionRef) refers to its functor, which lives in the caller's frame.
void bn_forward(Ctx& ctx, const BnParams& bn, const Act& z, const Act& y, float*& mean,
                float*& inv_std, k::Activation act, const k::BnRowsHook* produce = nullptr) {
  const int c = z.c;
  const float* gamma = ctx.w + bn.gamma;
  const float* beta = ctx.w + bn.beta;
  float* moving_mean = ctx.bn_stats + bn.stats;
  float* moving_var = moving_mean + bn.max_c;
  if (ctx.bn_use_moving) {
    if (!ctx.sizing && produce) parallel_for(z.pixels(), 256, *produce);  // rows in parallel
    mean = inv_std = nullptr;
    float* scratch = bn_scratch(ctx, z);
    if (!ctx.sizing)
      k::f32_bn_forward_inference(scratch, z.pixels(), c, y.data, c, z.data, c, gamma, beta,
                                  moving_mean, moving_var, act, k::kBnEpsilon);
    return;
  }
  mean = ctx.ws->floats(c);
  inv_std = ctx.ws->floats(c);
  const bool update = ctx.bn_update_moving && ctx.recompute == 0;
  float* batch_var = update ? ctx.ws->floats(c) : nullptr;
  float* scratch = bn_scratch(ctx, z);
  if (ctx.sizing) return;
  if (produce) {
    k::f32_bn_forward_training_produced(scratch, z.pixels(), c, y.data, c, mean, inv_std,
                                        batch_var, z.data, c, gamma, beta, act, k::kBnEpsilon,
                                        *produce);
  } else {
    k::f32_bn_forward_training(scratch, z.pixels(), c, y.data, c, mean, inv_std, batch_var,
                               z.data, c, gamma, beta, act, k::kBnEpsilon);
  }
  if (update) {
    k::f32_bn_update_moving_statistics(c, moving_mean, moving_var, mean, batch_var, z.pixels(),
                                       k::kBnMomentum);
  }
}

// dz = BN backward of dy: dz is a fresh buffer that the kernel overwrites (no zero pass).
// consume, when given, reads dz block by block as it is written (Conv1x1DataRows).
void bn_backward(Ctx& ctx, const BnParams& bn, const Act& dz, const Act& dy, const Act& z,
                 const float* mean, const float* inv_std, k::Activation act,
                 const k::BnRowsHook* consume = nullptr) {
  if (ctx.sizing) return;
  const int c = z.c;
  k::f32_bn_backward_training_overwrite(bn_scratch(ctx, z), z.pixels(), c, dz.data, c,
                                        ctx.g + bn.gamma, ctx.g + bn.beta, dy.data, c, mean,
                                        inv_std, z.data, c, ctx.w + bn.gamma, ctx.w + bn.beta,
                                        act, consume);
}

// Whether to run a 1x1 conv fused with its BN (Conv1x1Rows, Conv1x1DataRows): each row chunk
// repacks the weights, which pays while they stay in cache beside the chunk (56x56 24->144);
// wide convs (14x14 96->576, 7x7 160->960) keep the parallel GEMM. Bitwise the same either way.
bool fuse_conv1x1(const Ctx& ctx, int cin, int cout) {
  return std::int64_t(cin) * cout <= ctx.fuse_max_weight_floats;
}

// z = conv(x) (conv writes z), y = BN(z) (+ activation): fused when fuse_conv1x1 says so.
void conv1x1_bn_forward(Ctx& ctx, const Conv1x1Rows& conv, const BnParams& bn, const Act& y,
                        float*& mean, float*& inv_std, k::Activation act) {
  if (fuse_conv1x1(ctx, conv.x.c, conv.z.c)) {
    const k::BnRowsHook produce(conv);
    bn_forward(ctx, bn, conv.z, y, mean, inv_std, act, &produce);
    return;
  }
  if (!ctx.sizing)
    k::f32_conv1x1_forward(conv.x.pixels(), conv.x.c, conv.z.c, conv.z.data, conv.z.c,
                           conv.x.data, conv.x.c, conv.w, conv.w_stride);
  bn_forward(ctx, bn, conv.z, y, mean, inv_std, act);
}

int out_extent(int in, int stride) { return (in + stride - 1) / stride; }

// ---- conv (+BN or +bias), one kernel size ------------------------------------------------------
// y = BN(conv_kxk(x, W[:, :, :cin, :cout]))  or  conv + b[:cout] without BN. No activation.
class ConvBranch final : public Node {
 public:
  ConvBranch(Builder& b, const std::string& prefix, int kernel, int stride, bool use_bn,
             int max_in, int max_out, int out_decision)
      : k_(kernel), stride_(stride), use_bn_(use_bn), max_in_(max_in), max_out_(max_out),
        out_decision_(out_decision) {
    w_ = b.add_param(prefix + "/kernel", {kernel, kernel, max_in, max_out}, true, InitKind::he,
                     kernel * kernel * max_in);
    if (use_bn) bn_ = b.add_bn(prefix + "/bn", max_out);
    else bias_ = b.add_param(prefix + "/bias", {max_out}, false, InitKind::zeros, 1);
  }
  Act out_shape(const Ctx& ctx, const Act& x) const override {
    return Act{nullptr, x.n, out_extent(x.h, stride_), out_extent(x.w, stride_),
               ctx.active_width(out_decision_)};
  }
  bool pointwise() const { return k_ == 1 && stride_ == 1; }
  Act forward(Ctx& ctx, const Act& x, float reg) override {
    x_ = x;
    z_ = alloc_like(ctx, out_shape(ctx, x));
    const int cin = x.c, cout = z_.c;
    const float* w = ctx.w + w_;
    if (ctx.sizing) {
      // planning: no arithmetic
    } else if (pointwise()) {
      k::f32_conv1x1_forward(x.pixels(), cin, cout, z_.data, cout, x.data, cin, w, max_out_);
    } else {
      const auto g = k::same_conv_geometry(x.n, x.h, x.w, k_, stride_);
      k::f32_conv_forward(g, cin, cout, z_.data, cout, x.data, cin, w, max_out_,
                          std::int64_t(max_in_) * max_out_);
    }
    Act y = z_;
    if (use_bn_) {
      y = alloc_like(ctx, z_);
      bn_forward(ctx, bn_, z_, y, mean_, inv_std_, k::Activation::none);
    } else if (!ctx.sizing) {
      const float* bias = ctx.w + bias_;
      float* z = z_.data;
      const auto body = [=](std::int64_t b, std::int64_t e) {
        for (std::int64_t p = b; p < e; ++p)
          for (int c = 0; c < cout; ++c) z[p * cout + c] += bias[c];
      };
      parallel_for(z_.pixels(), 256, body);
    }
    l2(ctx, false, cin, cout, reg);
    return y;
  }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float reg) override {
    const int cin = x_.c, cout = z_.c;
    Act dz = dy;
    if (use_bn_) dz = alloc_like(ctx, z_);
    if (ctx.sizing) return;  // planning: every allocation of this pass is made
    if (use_bn_) {
      bn_backward(ctx, bn_, dz, dy, z_, mean_, inv_std_, k::Activation::none);
    } else {
      k::f32_conv1x1_backward_bias(dy.pixels(), cout, ctx.g + bias_, dy.data, cout);
    }
    const float* w = ctx.w + w_;
    float* dw = ctx.g + w_;
    if (pointwise()) {
      k::f32_conv1x1_backward_weights(x_.pixels(), cin, cout, dw, max_out_, dz.data, cout,
                                      x_.data, cin);
      if (!dx.is_zero())
        k::f32_conv1x1_backward_data(x_.pixels(), cin, cout, dx.data, cin, dz.data, cout, w,
                                     max_out_);
    } else {
      const auto g = k::same_conv_geometry(x_.n, x_.h, x_.w, k_, stride_);
      const std::int64_t tap = std::int64_t(max_in_) * max_out_;
      k::f32_conv_backward_weights(g, cin, cout, dw, max_out_, tap, dz.data, cout, x_.data, cin);
      if (!dx.is_zero())
        k::f32_conv_backward_data(g, cin, cout, dx.data, cin, dz.data, cout, w, max_out_, tap);
    }
    l2(ctx, true, cin, cout, reg);
  }

 private:
  void l2(Ctx& ctx, bool backward, int cin, int cout, float reg) {
    const std::int64_t extents[4] = {k_, k_, cin, cout};
    const std::int64_t strides[4] = {std::int64_t(k_) * max_in_ * max_out_,
                                     std::int64_t(max_in_) * max_out_, max_out_, 1};
    if (backward) l2_backward(ctx, w_, 4, extents, strides, reg);
    else l2_forward(ctx, w_, 4, extents, strides, reg);
  }
  int k_, stride_;
  bool use_bn_;
  int max_in_, max_out_, out_decision_;
  std::int64_t w_ = 0, bias_ = 0;
  BnParams bn_;
  Act x_, z_;
  float* mean_ = nullptr;
  float* inv_std_ = nullptr;
};

// ---- depthwise conv + BN + activation, one kernel size -----------------------------------------
class DepthwiseBranch final : public Node {
 public:
  DepthwiseBranch(Builder& b, const std::string& prefix, int kernel, int stride, int max_c,
                  k::Activation act)
      : k_(kernel), stride_(stride), max_c_(max_c), act_(act) {
    w_ = b.add_param(prefix + "/kernel", {kernel, kernel, max_c, 1}, true,
                     InitKind::he_depthwise, kernel * kernel);
    bn_ = b.add_bn(prefix + "/bn", max_c);
  }
  Act out_shape(const Ctx&, const Act& x) const override {
    return Act{nullptr, x.n, out_extent(x.h, stride_), out_extent(x.w, stride_), x.c};
  }
  Act forward(Ctx& ctx, const Act& x, float reg) override {
    x_ = x;
    z_ = alloc_like(ctx, out_shape(ctx, x));
    const int c = x.c;
    const auto g = k::same_conv_geometry(x.n, x.h, x.w, k_, stride_);
    if (!ctx.sizing) k::f32_dwconv_forward(g, c, z_.data, c, x.data, c, ctx.w + w_, max_c_);
    Act y = alloc_like(ctx, z_);
    bn_forward(ctx, bn_, z_, y, mean_, inv_std_, act_);
    l2_matrix(ctx, false, w_, k_ * k_, c, max_c_, reg);
    return y;
  }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float reg) override {
    backward_into(ctx, dy, dx, reg, false);
  }
  void backward_fresh(Ctx& ctx, const Act& dy, const Act& dx, float reg) override {
    backward_into(ctx, dy, dx, reg, true);
  }

 private:
  // overwrite: dx is fresh, the backward-data overwrites it (no zero pass over dx).
  void backward_into(Ctx& ctx, const Act& dy, const Act& dx, float reg, bool overwrite) {
    const int c = x_.c;
    Act dz = alloc_like(ctx, z_);
    if (ctx.sizing) return;  // planning: every allocation of this pass is made
    bn_backward(ctx, bn_, dz, dy, z_, mean_, inv_std_, act_);
    const auto g = k::same_conv_geometry(x_.n, x_.h, x_.w, k_, stride_);
    k::f32_dwconv_backward_weights(g, c, ctx.g + w_, max_c_, dz.data, c, x_.data, c);
    if (overwrite)
      k::f32_dwconv_backward_data_overwrite(g, c, dx.data, c, dz.data, c, ctx.w + w_, max_c_);
    else if (!dx.is_zero())
      k::f32_dwconv_backward_data(g, c, dx.data, c, dz.data, c, ctx.w + w_, max_c_);
    l2_matrix(ctx, true, w_, k_ * k_, c, max_c_, reg);
  }
  int k_, stride_, max_c_;
  k::Activation act_;
  std::int64_t w_ = 0;
  BnParams bn_;
  Act x_, z_;
  float* mean_ = nullptr;
  float* inv_std_ = nullptr;
};

// ---- squeeze-and-excite on E channels (§1.1, masked per §3.4) ----------------------------------
class SqueezeExcite final : public Node {
 public:
  SqueezeExcite(Builder& b, const std::string& prefix, int max_e, int max_h, int base,
                k::Activation inner, k::Activation gate)
      : max_e_(max_e), max_h_(max_h), base_(base), inner_(inner), gate_act_(gate) {
    w1_ = b.add_param(prefix + "/reduce/kernel", {1, 1, max_e, max_h}, true, InitKind::he, max_e);
    b1_ = b.add_param(prefix + "/reduce/bias", {max_h}, false, InitKind::zeros, 1);
    w2_ = b.add_param(prefix + "/expand/kernel", {1, 1, max_h, max_e}, true, InitKind::he, max_h);
    b2_ = b.add_param(prefix + "/expand/bias", {max_e}, false, InitKind::zeros, 1);
  }
  Act out_shape(const Ctx&, const Act& x) const override { return Act{nullptr, x.n, x.h, x.w, x.c}; }
  Act forward(Ctx& ctx, const Act& x, float reg) override {
    x_ = x;
    const int n = x.n, e = x.c;
    h_ = spaces::make_divisible(0.25 * e, base_);
    const std::int64_t p = std::int64_t(x.h) * x.w;
    pooled_ = ctx.ws->floats(std::int64_t(n) * e);
    hpre_ = ctx.ws->floats(std::int64_t(n) * h_);
    hact_ = ctx.ws->floats(std::int64_t(n) * h_);
    gpre_ = ctx.ws->floats(std::int64_t(n) * e);
    gate_ = ctx.ws->floats(std::int64_t(n) * e);
    Act y = alloc_like(ctx, x);
    if (ctx.sizing) return y;  // planning: every allocation of this pass is made
    k::f32_global_avg_pool_forward(n, p, e, pooled_, e, x.data, e);
    k::f32_dense_forward(n, e, h_, hpre_, h_, pooled_, e, ctx.w + w1_, max_h_, ctx.w + b1_);
    k::f32_activation_forward(inner_, n, h_, hact_, h_, hpre_, h_);
    k::f32_dense_forward(n, h_, e, gpre_, e, hact_, h_, ctx.w + w2_, max_e_, ctx.w + b2_);
    k::f32_activation_forward(gate_act_, n, e, gate_, e, gpre_, e);
    k::f32_se_gate_forward(n, p, e, y.data, e, x.data, e, gate_, e);
    l2_matrix(ctx, false, w1_, e, h_, max_h_, reg);
    l2_matrix(ctx, false, w2_, h_, e, max_e_, reg);
    return y;
  }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float reg) override {
    const int n = x_.n, e = x_.c, h = h_;
    const std::int64_t p = std::int64_t(x_.h) * x_.w;
    float* dgate = ctx.ws->zeros(std::int64_t(n) * e);
    float* dgpre = ctx.ws->zeros(std::int64_t(n) * e);
    float* dh = ctx.ws->zeros(std::int64_t(n) * h);
    float* dhpre = ctx.ws->zeros(std::int64_t(n) * h);
    float* dpooled = dx.is_zero() ? nullptr : ctx.ws->zeros(std::int64_t(n) * e);
    if (ctx.sizing) return;  // planning: every allocation of this pass is made
    k::f32_se_gate_backward_gate(n, p, e, dgate, e, dy.data, e, x_.data, e);
    if (!dx.is_zero()) k::f32_se_gate_backward_data(n, p, e, dx.data, e, dy.data, e, gate_, e);
    k::f32_activation_backward(gate_act_, n, e, dgpre, e, dgate, e, gpre_, e);
    k::f32_dense_backward_weights(n, h, e, ctx.g + w2_, max_e_, ctx.g + b2_, dgpre, e, hact_, h);
    k::f32_dense_backward_data(n, h, e, dh, h, dgpre, e, ctx.w + w2_, max_e_);
    k::f32_activation_backward(inner_, n, h, dhpre, h, dh, h, hpre_, h);
    k::f32_dense_backward_weights(n, e, h, ctx.g + w1_, max_h_, ctx.g + b1_, dhpre, h, pooled_, e);
    if (!dx.is_zero()) {
      k::f32_dense_backward_data(n, e, h, dpooled, e, dhpre, h, ctx.w + w1_, max_h_);
      k::f32_global_avg_pool_backward(n, p, e, dx.data, e, dpooled, e);
    }
    l2_matrix(ctx, true, w1_, e, h, max_h_, reg);
    l2_matrix(ctx, true, w2_, h, e, max_e_, reg);
  }

 private:
  int max_e_, max_h_, base_;
  k::Activation inner_, gate_act_;
  std::int64_t w1_ = 0, b1_ = 0, w2_ = 0, b2_ = 0;
  Act x_;
  int h_ = 0;
  float *pooled_ = nullptr, *hpre_ = nullptr, *hact_ = nullptr, *gpre_ = nullptr,
        *gate_ = nullptr;
};

// ---- trivial layers ------------------------------------------------------------------------------
class Identity final : public Node {
 public:
  Act out_shape(const Ctx&, const Act& x) const override { return Act{nullptr, x.n, x.h, x.w, x.c}; }
  Act forward(Ctx&, const Act& x, float) override { return x; }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float) override {
    if (!dx.is_zero()) add_to(ctx, dy.size(), dy.data, dx.data);
  }
  void backward_fresh(Ctx& ctx, const Act& dy, const Act& dx, float) override {
    scale_into(ctx, dy.size(), 1.f, dy.data, dx.data);  // dx = dy: no zero pass
  }
};

class Zero final : public Node {
 public:
  Act out_shape(const Ctx&, const Act& x) const override { return Act{nullptr, x.n, x.h, x.w, x.c}; }
  Act forward(Ctx&, const Act& x, float) override { return Act{nullptr, x.n, x.h, x.w, x.c}; }
  void backward(Ctx&, const Act&, const Act&, float) override {}
};

class ActivationLayer final : public Node {
 public:
  explicit ActivationLayer(k::Activation act) : act_(act) {}
  Act out_shape(const Ctx&, const Act& x) const override { return Act{nullptr, x.n, x.h, x.w, x.c}; }
  Act forward(Ctx& ctx, const Act& x, float) override {
    x_ = x;
    Act y = alloc_like(ctx, x);
    if (!ctx.sizing) k::f32_activation_forward(act_, x.pixels(), x.c, y.data, x.c, x.data, x.c);
    return y;
  }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float) override {
    if (!dx.is_zero() && !ctx.sizing)
      k::f32_activation_backward(act_, x_.pixels(), x_.c, dx.data, x_.c, dy.data, x_.c, x_.data,
                                 x_.c);
  }

 private:
  k::Activation act_;
  Act x_;
};

class GlobalAvgPool final : public Node {
 public:
  Act out_shape(const Ctx&, const Act& x) const override { return Act{nullptr, x.n, 1, 1, x.c}; }
  Act forward(Ctx& ctx, const Act& x, float) override {
    x_ = x;
    Act y = alloc(ctx, x.n, 1, 1, x.c);
    if (ctx.sizing) return y;  // planning
    k::f32_global_avg_pool_forward(x.n, std::int64_t(x.h) * x.w, x.c, y.data, x.c, x.data, x.c);
    return y;
  }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float) override {
    if (!dx.is_zero() && !ctx.sizing)
      k::f32_global_avg_pool_backward(x_.n, std::int64_t(x_.h) * x_.w, x_.c, dx.data, x_.c,
                                      dy.data, x_.c);
  }

 private:
  Act x_;
};

class Residual final : public Node {
 public:
  explicit Residual(std::unique_ptr<Node> inner) : inner_(std::move(inner)) {}
  Act out_shape(const Ctx&, const Act& x) const override { return Act{nullptr, x.n, x.h, x.w, x.c}; }
  Act forward(Ctx& ctx, const Act& x, float reg) override {
    const Act r = inner_->forward(ctx, x, reg);
    if (r.is_zero()) return x;  // residual(zero) is the identity: no add
    TUNAS_CHECK(r.size() == x.size(), "residual: inner output shape differs from its input");
    // Path dropout: y = x + s * layer(x), s = Bernoulli(keep)/keep, one draw per pass (a
    // rematerialised re-run keeps it).
    dropping_ = ctx.path_dropout_rng != nullptr;
    if (dropping_ && ctx.recompute == 0)
      scale_ = ctx.path_dropout_rng->uniform() < ctx.path_keep ? 1.f / ctx.path_keep : 0.f;
    Act y = alloc_like(ctx, x);
    if (!dropping_) {
      sum_into(ctx, x.size(), x.data, r.data, y.data);
    } else {
      scale_into(ctx, x.size(), scale_, r.data, y.data);
      add_to(ctx, x.size(), x.data, y.data);
    }
    return y;
  }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float reg) override {
    if (!dx.is_zero()) add_to(ctx, dy.size(), dy.data, dx.data);
    if (!dropping_) {
      inner_->backward(ctx, dy, dx, reg);
      return;
    }
    // A dropped layer still runs its backward with dy = 0: its weight decay applies as in
    // the original, where the L2 loss covers every kernel.
    const Act dr = alloc_like(ctx, dy);
    scale_into(ctx, dy.size(), scale_, dy.data, dr.data);
    inner_->backward(ctx, dr, dx, reg);
  }

 private:
  std::unique_ptr<Node> inner_;
  bool dropping_ = false;
  float scale_ = 1.f;
};

// ---- the switch of an op decision (§3.2, remat §6.6) ------------------------------------------
// y = sum_{m_i != 0} m_i * branch_i(x). A null branch is the zero op. With RematPolicy::switches
// and more than one active branch only x and y are kept; backward re-runs each branch.
class Switch final : public Node {
 public:
  Switch(std::vector<std::unique_ptr<Node>> branches, int decision, bool allow_zero_output)
      : branches_(std::move(branches)), decision_(decision), allow_zero_(allow_zero_output) {
    active_.resize(branches_.size());
    zero_out_.resize(branches_.size());
  }
  Act out_shape(const Ctx& ctx, const Act& x) const override {
    for (const auto& b : branches_)
      if (b) return b->out_shape(ctx, x);
    return Act{nullptr, x.n, x.h, x.w, x.c};
  }
  Act forward(Ctx& ctx, const Act& x, float reg) override {
    x_ = x;
    const std::vector<float>& m = (*ctx.masks)[std::size_t(decision_)];
    count_ = 0;
    for (std::size_t i = 0; i < branches_.size(); ++i)
      if (m[i] != 0.f) active_[std::size_t(count_++)] = int(i);
    remat_ = ctx.training && ctx.remat == RematPolicy::switches && count_ > 1;
    Act y = out_shape(ctx, x);
    y.data = nullptr;
    if (count_ == 1) {
      const int i = active_[0];
      const Act out = run_branch(ctx, i, x, reg * m[std::size_t(i)]);
      zero_out_[std::size_t(i)] = out.is_zero();
      if (out.is_zero() || m[std::size_t(i)] == 1.f) y = out;
      else {
        y = alloc_like(ctx, out);
        scale_into(ctx, out.size(), m[std::size_t(i)], out.data, y.data);
      }
    } else if (count_ > 1) {
      y = zeros_like(ctx, y);
      for (int a = 0; a < count_; ++a) {
        const int i = active_[std::size_t(a)];
        const std::size_t mark = ctx.ws->mark();
        const Act out = run_branch(ctx, i, x, reg * m[std::size_t(i)]);
        zero_out_[std::size_t(i)] = out.is_zero();
        if (!out.is_zero()) axpy(ctx, out.size(), m[std::size_t(i)], out.data, y.data);
        if (remat_) ctx.ws->rewind(mark);
      }
    }
    if (y.is_zero() && !allow_zero_) y = zeros_like(ctx, y);
    return y;
  }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float reg) override {
    backward_into(ctx, dy, dx, reg, false);
  }
  // The first branch that runs overwrites the fresh dx, the others accumulate.
  void backward_fresh(Ctx& ctx, const Act& dy, const Act& dx, float reg) override {
    if (!backward_into(ctx, dy, dx, reg, true)) fill_zero(ctx, dx.size(), dx.data);
  }

 private:
  // Returns whether a branch ran (and so wrote dx).
  bool backward_into(Ctx& ctx, const Act& dy, const Act& dx, float reg, bool fresh) {
    const std::vector<float>& m = (*ctx.masks)[std::size_t(decision_)];
    bool wrote = false;
    for (int a = 0; a < count_; ++a) {
      const int i = active_[std::size_t(a)];
      const std::size_t idx = std::size_t(i);
      if (!branches_[idx] || zero_out_[idx]) continue;
      const std::size_t mark = ctx.ws->mark();
      if (remat_) {
        ++ctx.recompute;
        (void)branches_[idx]->forward(ctx, x_, reg * m[idx]);
        --ctx.recompute;
      }
      Act dyi = dy;
      if (m[idx] != 1.f) {
        dyi = alloc_like(ctx, dy);
        scale_into(ctx, dy.size(), m[idx], dy.data, dyi.data);
      }
      if (fresh && !wrote) branches_[idx]->backward_fresh(ctx, dyi, dx, reg * m[idx]);
      else branches_[idx]->backward(ctx, dyi, dx, reg * m[idx]);
      wrote = true;
      ctx.ws->rewind(mark);
    }
    return wrote;
  }
  Act run_branch(Ctx& ctx, int i, const Act& x, float reg) {
    const auto& b = branches_[std::size_t(i)];
    if (!b) return Act{nullptr, x.n, x.h, x.w, x.c};
    return b->forward(ctx, x, reg);
  }
  std::vector<std::unique_ptr<Node>> branches_;
  int decision_;
  bool allow_zero_;
  std::vector<int> active_;
  std::vector<char> zero_out_;
  int count_ = 0;
  bool remat_ = false;
  Act x_;
};

// ---- separable conv: dw(k,s)+BN+act [per kernel] -> 1x1 + BN [shared] ---------------------------
class SepConv final : public Node {
 public:
  SepConv(Builder& b, const std::string& prefix, std::unique_ptr<Node> depthwise, int max_in,
          int max_out, int out_decision)
      : dw_(std::move(depthwise)), max_out_(max_out), out_decision_(out_decision) {
    wp_ = b.add_param(prefix + "/pointwise/kernel", {1, 1, max_in, max_out}, true, InitKind::he,
                      max_in);
    bn_ = b.add_bn(prefix + "/pointwise/bn", max_out);
  }
  Act out_shape(const Ctx& ctx, const Act& x) const override {
    Act a = dw_->out_shape(ctx, x);
    a.c = ctx.active_width(out_decision_);
    return a;
  }
  Act forward(Ctx& ctx, const Act& x, float reg) override {
    a_ = dw_->forward(ctx, x, reg);
    const int cin = a_.c;
    z_ = alloc_like(ctx, out_shape(ctx, x));
    const int cout = z_.c;
    Act y = alloc_like(ctx, z_);
    conv1x1_bn_forward(ctx, Conv1x1Rows{a_, z_, ctx.w + wp_, max_out_}, bn_, y, mean_, inv_std_,
                       k::Activation::none);
    l2_matrix(ctx, false, wp_, cin, cout, max_out_, reg);
    return y;
  }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float reg) override {
    const int cin = a_.c, cout = z_.c;
    Act dz = alloc_like(ctx, z_);
    Act da = alloc_like(ctx, a_);
    if (!ctx.sizing) {
      bn_backward(ctx, bn_, dz, dy, z_, mean_, inv_std_, k::Activation::none);
      k::f32_conv1x1_backward_weights(a_.pixels(), cin, cout, ctx.g + wp_, max_out_, dz.data,
                                      cout, a_.data, cin);
      k::f32_conv1x1_backward_data_overwrite(a_.pixels(), cin, cout, da.data, cin, dz.data,
                                             cout, ctx.w + wp_, max_out_);
    }
    dw_->backward(ctx, da, dx, reg);
    l2_matrix(ctx, true, wp_, cin, cout, max_out_, reg);
  }

 private:
  std::unique_ptr<Node> dw_;
  int max_out_, out_decision_;
  std::int64_t wp_ = 0;
  BnParams bn_;
  Act a_, z_;
  float* mean_ = nullptr;
  float* inv_std_ = nullptr;
};

// ---- collapsed inverted bottleneck (§3.3) ------------------------------------------------------
// 1x1 (in->E) BN act [shared, max E] -> dw(k,s) BN act [per kernel] -> [SE switch] ->
// 1x1 (E->out) BN [shared]. E = scale_filters(active_in, r, base) or an absolute width.
class Bottleneck final : public Node {
 public:
  struct Expansion {
    bool relative = false;
    double value = 0;  // multiplier, or the absolute width after the width multiplier
  };
  Bottleneck(Builder& b, const std::string& prefix, std::vector<Expansion> expansions,
             int expansion_decision, int base, int max_in, int max_e, int max_out,
             int out_decision, k::Activation act, std::unique_ptr<Node> depthwise,
             std::unique_ptr<Node> se)
      : expansions_(std::move(expansions)), expansion_decision_(expansion_decision), base_(base),
        max_e_(max_e), max_out_(max_out), out_decision_(out_decision), act_(act),
        dw_(std::move(depthwise)), se_(std::move(se)) {
    we_ = b.add_param(prefix + "/expand/kernel", {1, 1, max_in, max_e}, true, InitKind::he, max_in);
    bn_e_ = b.add_bn(prefix + "/expand/bn", max_e);
    wp_ = b.add_param(prefix + "/project/kernel", {1, 1, max_e, max_out}, true, InitKind::he, max_e);
    bn_p_ = b.add_bn(prefix + "/project/bn", max_out);
  }
  // The bottleneck's depthwise/SE nodes register their parameters before expand/project: the
  // order in the store does not matter (names do), so the builder creates them first.
  int expansion_width(const Ctx& ctx, int cin) const {
    const std::size_t i =
        expansion_decision_ < 0 ? 0 : std::size_t(ctx.index_of[expansion_decision_]);
    const Expansion& e = expansions_.at(i);
    return e.relative ? spaces::scale_filters(cin, e.value, base_) : int(e.value);
  }
  Act out_shape(const Ctx& ctx, const Act& x) const override {
    Act e{nullptr, x.n, x.h, x.w, expansion_width(ctx, x.c)};
    Act a = dw_->out_shape(ctx, e);
    a.c = ctx.active_width(out_decision_);
    return a;
  }
  Act forward(Ctx& ctx, const Act& x, float reg) override {
    x_ = x;
    const int cin = x.c, e = expansion_width(ctx, cin);
    TUNAS_CHECK(e <= max_e_, "bottleneck: expansion ", e, " exceeds the planned ", max_e_);
    z1_ = alloc(ctx, x.n, x.h, x.w, e);
    y1_ = alloc_like(ctx, z1_);
    conv1x1_bn_forward(ctx, Conv1x1Rows{x_, z1_, ctx.w + we_, max_e_}, bn_e_, y1_, mean1_, inv1_,
                       act_);
    a_ = dw_->forward(ctx, y1_, reg);
    b_ = se_ ? se_->forward(ctx, a_, reg) : a_;
    const int cout = ctx.active_width(out_decision_);
    z3_ = alloc(ctx, b_.n, b_.h, b_.w, cout);
    Act y = alloc_like(ctx, z3_);
    conv1x1_bn_forward(ctx, Conv1x1Rows{b_, z3_, ctx.w + wp_, max_out_}, bn_p_, y, mean3_, inv3_,
                       k::Activation::none);
    l2_matrix(ctx, false, we_, cin, e, max_e_, reg);
    l2_matrix(ctx, false, wp_, e, cout, max_out_, reg);
    return y;
  }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float reg) override {
    const int cin = x_.c, e = z1_.c, cout = z3_.c;
    // Fresh gradient buffers are overwritten by their first writer, never zero-filled.
    Act dz3 = alloc_like(ctx, z3_);
    Act db = alloc_like(ctx, b_);
    if (!ctx.sizing) {
      bn_backward(ctx, bn_p_, dz3, dy, z3_, mean3_, inv3_, k::Activation::none);
      k::f32_conv1x1_backward_weights(b_.pixels(), e, cout, ctx.g + wp_, max_out_, dz3.data,
                                      cout, b_.data, e);
      k::f32_conv1x1_backward_data_overwrite(b_.pixels(), e, cout, db.data, e, dz3.data,
                                             cout, ctx.w + wp_, max_out_);
    }
    Act da = db;
    if (se_) {
      da = alloc_like(ctx, a_);
      se_->backward_fresh(ctx, db, da, reg);
    }
    Act dy1 = alloc_like(ctx, y1_);
    dw_->backward_fresh(ctx, da, dy1, reg);
    Act dz1 = alloc_like(ctx, z1_);
    if (ctx.sizing) return;  // planning: every allocation of this pass is made
    // dx += dz1 * We^T: on each block of dz1 as the BN backward writes it (fuse_conv1x1).
    const bool fuse = !dx.is_zero() && fuse_conv1x1(ctx, cin, e);
    const Conv1x1DataRows expand_data{dz1, dx, ctx.w + we_, max_e_};
    const k::BnRowsHook consume_dz1(expand_data);
    bn_backward(ctx, bn_e_, dz1, dy1, z1_, mean1_, inv1_, act_, fuse ? &consume_dz1 : nullptr);
    if (!fuse && !dx.is_zero())
      k::f32_conv1x1_backward_data(x_.pixels(), cin, e, dx.data, cin, dz1.data, e, ctx.w + we_,
                                   max_e_);
    k::f32_conv1x1_backward_weights(x_.pixels(), cin, e, ctx.g + we_, max_e_, dz1.data, e,
                                    x_.data, cin);
    l2_matrix(ctx, true, we_, cin, e, max_e_, reg);
    l2_matrix(ctx, true, wp_, e, cout, max_out_, reg);
  }

 private:
  std::vector<Expansion> expansions_;
  int expansion_decision_, base_, max_e_, max_out_, out_decision_;
  k::Activation act_;
  std::unique_ptr<Node> dw_, se_;
  std::int64_t we_ = 0, wp_ = 0;
  BnParams bn_e_, bn_p_;
  Act x_, z1_, y1_, a_, b_, z3_;
  float *mean1_ = nullptr, *inv1_ = nullptr, *mean3_ = nullptr, *inv3_ = nullptr;
};

std::string kernel_tag(int kernel) { return "k" + std::to_string(kernel); }

}  // namespace

std::unique_ptr<Node> make_switch(std::vector<std::unique_ptr<Node>> branches, int decision,
                                  bool allow_zero_output) {
  return std::make_unique<Switch>(std::move(branches), decision, allow_zero_output);
}
std::unique_ptr<Node> make_identity() { return std::make_unique<Identity>(); }
std::unique_ptr<Node> make_activation(kernels::Activation act) {
  return std::make_unique<ActivationLayer>(act);
}
std::unique_ptr<Node> make_conv(Builder& b, const std::string& prefix, int kernel, int stride,
                                bool use_bn, int max_in, int max_out, int out_decision) {
  return std::make_unique<ConvBranch>(b, prefix, kernel, stride, use_bn, max_in, max_out,
                                      out_decision);
}

// ---- builder ---------------------------------------------------------------------------------------

std::int64_t Builder::add_param(const std::string& name, std::vector<int> shape, bool l2,
                                InitKind kind, int fan_in) {
  const std::int64_t offset = params_.add(name, shape, l2);
  const ParameterInfo& info = params_.infos().back();
  inits_.push_back(InitSpec{offset, info.size, kind, fan_in, name});
  return offset;
}

BnParams Builder::add_bn(const std::string& prefix, int max_c) {
  BnParams bn;
  bn.max_c = max_c;
  bn.gamma = add_param(prefix + "/gamma", {max_c}, false, InitKind::ones, 1);
  bn.beta = add_param(prefix + "/beta", {max_c}, false, InitKind::zeros, 1);
  bn.stats = bn_stats_size_add(2 * std::int64_t(max_c));
  return bn;
}

// Depthwise+BN+act per kernel size: a switch when the kernel size is searched.
std::unique_ptr<Node> Builder::build_kernel_switch(const spaces::Layer& layer,
                                                   const std::string& prefix, int max_c,
                                                   k::Activation act, int stride) {
  std::vector<std::unique_ptr<Node>> branches;
  for (int kernel : layer.kernel_size.options)
    branches.push_back(std::make_unique<DepthwiseBranch>(*this, prefix + "/" + kernel_tag(kernel),
                                                         kernel, stride, max_c, act));
  if (!layer.kernel_size.searched()) return std::move(branches.at(0));
  return std::make_unique<Switch>(std::move(branches), layer.kernel_size.decision, false);
}

std::unique_ptr<Node> Builder::build_layer(const spaces::Layer& layer, bool in_residual) {
  const spaces::LayerShape& s = layer.shape;
  switch (layer.kind) {
    case LayerKind::conv: {
      std::vector<std::unique_ptr<Node>> branches;
      for (int kernel : layer.kernel_size.options)
        branches.push_back(std::make_unique<ConvBranch>(
            *this, layer.path + "/" + kernel_tag(kernel), kernel, layer.strides,
            layer.use_batch_norm, s.max_in, s.max_out, s.out_width_decision));
      if (!layer.kernel_size.searched()) return std::move(branches.at(0));
      return std::make_unique<Switch>(std::move(branches), layer.kernel_size.decision, false);
    }
    case LayerKind::sepconv: {
      auto dw = build_kernel_switch(layer, layer.path + "/depthwise", s.max_in, layer.activation,
                                    layer.strides);
      return std::make_unique<SepConv>(*this, layer.path, std::move(dw), s.max_in, s.max_out,
                                       s.out_width_decision);
    }
    case LayerKind::bottleneck: {
      TUNAS_REQUIRE(s.max_expansion > 0, layer.source, ": ", layer.path,
                    ": bottleneck without an expansion width");
      std::vector<Bottleneck::Expansion> expansions;
      for (const spaces::Width& e : layer.expansion.options)
        expansions.push_back(e.relative ? Bottleneck::Expansion{true, e.value}
                                        : Bottleneck::Expansion{
                                              false, double(space_.scaled_width(int(e.value)))});
      auto dw = build_kernel_switch(layer, layer.path + "/depthwise", s.max_expansion,
                                    layer.activation, layer.strides);
      std::unique_ptr<Node> se;
      const auto& se_options = layer.use_se.options;
      const bool any_se = std::find(se_options.begin(), se_options.end(), true) != se_options.end();
      if (any_se) {
        TUNAS_REQUIRE(s.max_se_hidden > 0, layer.path, ": SE without a hidden width");
        std::vector<std::unique_ptr<Node>> branches;
        for (bool on : se_options) {
          if (on)
            branches.push_back(std::make_unique<SqueezeExcite>(
                *this, layer.path + "/se", s.max_expansion, s.max_se_hidden, space_.filters_base,
                layer.se_inner_activation, layer.se_gating_activation));
          else
            branches.push_back(std::make_unique<Identity>());
        }
        if (layer.use_se.searched())
          se = std::make_unique<Switch>(std::move(branches), layer.use_se.decision, false);
        else
          se = std::move(branches.at(0));
      }
      return std::make_unique<Bottleneck>(
          *this, layer.path, std::move(expansions), layer.expansion.decision, space_.filters_base,
          s.max_in, s.max_expansion, s.max_out, s.out_width_decision,
          layer.activation, std::move(dw), std::move(se));
    }
    case LayerKind::activation:
      return std::make_unique<ActivationLayer>(layer.activation);
    case LayerKind::global_avg_pool: return std::make_unique<GlobalAvgPool>();
    case LayerKind::detection_endpoint: return std::make_unique<Identity>();
    case LayerKind::zero: return std::make_unique<Zero>();
    case LayerKind::residual:
      return std::make_unique<Residual>(build_layer(layer.children.at(0), true));
    case LayerKind::choice: {
      std::vector<std::unique_ptr<Node>> branches;
      for (const spaces::Layer& child : layer.children)
        branches.push_back(child.kind == LayerKind::zero ? nullptr : build_layer(child, false));
      return std::make_unique<Switch>(std::move(branches), layer.decision, in_residual);
    }
  }
  throw Error(str_cat(layer.source, ": ", layer.path, ": unsupported layer kind"));
}

}  // namespace tunas::supernet::detail
