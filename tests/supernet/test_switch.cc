// Spec §3.2 switch examples, §9.10 masked conv / masked BN and §9.11 masked L2, driven through
// the supernet's own nodes (supernet/graph.h).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"
#include "supernet/graph.h"

namespace tunas::supernet::detail {
namespace {

struct Harness {
  Workspace ws;
  Masks masks;
  std::vector<int> index_of{0}, width_of{0};
  Ctx ctx;
  explicit Harness(std::vector<float> mask, float* w = nullptr, float* g = nullptr) {
    ws.reserve(1 << 20);
    masks = {std::move(mask)};
    ctx.ws = &ws;
    ctx.masks = &masks;
    ctx.index_of = index_of.data();
    ctx.width_of = width_of.data();
    ctx.w = w;
    ctx.g = g;
    ctx.training = true;
    ctx.remat = RematPolicy::switches;
  }
};

// y = w * x with a scalar weight at parameter offset `offset` (the §3.2 example's branches).
class ScalarMultiply final : public Node {
 public:
  explicit ScalarMultiply(std::int64_t offset) : offset_(offset) {}
  Act out_shape(const Ctx&, const Act& x) const override { return Act{nullptr, x.n, x.h, x.w, x.c}; }
  Act forward(Ctx& ctx, const Act& x, float) override {
    x_ = x;
    Act y = x;
    y.data = ctx.ws->floats(x.size());
    for (std::int64_t i = 0; i < x.size(); ++i) y.data[i] = ctx.w[offset_] * x.data[i];
    return y;
  }
  void backward(Ctx& ctx, const Act& dy, const Act& dx, float) override {
    for (std::int64_t i = 0; i < dy.size(); ++i) {
      dx.data[i] += ctx.w[offset_] * dy.data[i];
      ctx.g[offset_] += dy.data[i] * x_.data[i];
    }
  }

 private:
  std::int64_t offset_;
  Act x_;
};

TEST_CASE("switch: spec 3.2 identity/ReLU example (with and without remat)") {
  struct Row {
    std::vector<float> mask, y, dx;
  };
  const std::vector<Row> rows = {
      {{0, 0}, {0, 0, 0}, {0, 0, 0}},
      {{1, 0}, {1, 2, -3}, {1, 1, 1}},
      {{0, 1}, {1, 2, 0}, {1, 1, 0}},
      {{1, 1}, {2, 4, -3}, {2, 2, 1}},
      {{0.6f, 0.4f}, {1, 2, -1.8f}, {1, 1, 0.6f}},
  };
  for (RematPolicy remat : {RematPolicy::none, RematPolicy::switches}) {
    for (const Row& row : rows) {
      CAPTURE(row.mask[0]);
      CAPTURE(row.mask[1]);
      Harness h(row.mask);
      h.ctx.remat = remat;
      std::vector<std::unique_ptr<Node>> branches;
      branches.push_back(make_identity());
      branches.push_back(make_activation(kernels::Activation::relu));
      auto sw = make_switch(std::move(branches), 0, false);
      float x[3] = {1, 2, -3};
      const Act xa{x, 1, 1, 1, 3};
      const Act y = sw->forward(h.ctx, xa, 1.f);
      for (int i = 0; i < 3; ++i) CHECK(y.data[i] == doctest::Approx(row.y[std::size_t(i)]));
      float ones[3] = {1, 1, 1}, dx[3] = {0, 0, 0};
      sw->backward(h.ctx, Act{ones, 1, 1, 1, 3}, Act{dx, 1, 1, 1, 3}, 1.f);
      for (int i = 0; i < 3; ++i) CHECK(dx[i] == doctest::Approx(row.dx[std::size_t(i)]));
    }
  }
}

TEST_CASE("switch: spec 3.2 scalar-multiply branches, weight gradients scaled by the mask") {
  float w[2] = {3, 4}, g[2] = {0, 0};
  Harness h({0.6f, 0.4f}, w, g);
  std::vector<std::unique_ptr<Node>> branches;
  branches.push_back(std::make_unique<ScalarMultiply>(0));
  branches.push_back(std::make_unique<ScalarMultiply>(1));
  auto sw = make_switch(std::move(branches), 0, false);
  float x[3] = {1, 2, 3};
  const Act y = sw->forward(h.ctx, Act{x, 1, 1, 1, 3}, 1.f);
  CHECK(y.data[0] == doctest::Approx(3.4));
  CHECK(y.data[1] == doctest::Approx(6.8));
  CHECK(y.data[2] == doctest::Approx(10.2));
  float ones[3] = {1, 1, 1}, dx[3] = {0, 0, 0};
  sw->backward(h.ctx, Act{ones, 1, 1, 1, 3}, Act{dx, 1, 1, 1, 3}, 1.f);
  CHECK(g[0] == doctest::Approx(6 * 0.6));
  CHECK(g[1] == doctest::Approx(6 * 0.4));
  for (float v : dx) CHECK(v == doctest::Approx(3.4));
}

// A 3x3 conv on [max_in = 3] -> [max_out = 4] weights with one active input channel and two
// active output channels. Slicing means the output buffer holds only the active channels; the
// max-width view of spec §3.4 has exact zeros in the others by construction.
TEST_CASE("masked layers: spec 9.10 masked 3x3 conv (all-ones weights, 6x6 ones)") {
  spaces::Space dummy;
  ParameterStore store;
  Builder b(dummy, store);
  auto conv = make_conv(b, "conv", 3, 1, /*use_bn=*/false, 3, 4, 0);
  store.allocate();
  const ParameterInfo* kernel = store.find("conv/kernel");
  REQUIRE(kernel != nullptr);
  std::fill(store.values() + kernel->offset, store.values() + kernel->offset + kernel->size, 1.f);
  Harness h({1.f}, store.values(), store.grads());
  h.width_of[0] = 2;  // active output channels
  std::vector<float> x(36, 1.f);
  const Act y = conv->forward(h.ctx, Act{x.data(), 1, 6, 6, 1}, 1.f);
  REQUIRE(y.c == 2);
  for (int c = 0; c < 2; ++c) {
    CHECK(y.data[(0 * 6 + 0) * 2 + c] == 4.f);   // corner
    CHECK(y.data[(0 * 6 + 3) * 2 + c] == 6.f);   // edge
    CHECK(y.data[(5 * 6 + 2) * 2 + c] == 6.f);   // edge
    CHECK(y.data[(2 * 6 + 3) * 2 + c] == 9.f);   // interior
  }
}

TEST_CASE("masked layers: spec 9.10 masked BN and 9.11 masked L2") {
  spaces::Space dummy;
  ParameterStore store;
  Builder b(dummy, store);
  auto conv = make_conv(b, "conv", 3, 1, /*use_bn=*/true, 5, 6, 0);
  store.allocate();
  const ParameterInfo* kernel = store.find("conv/kernel");
  Rng rng(1, 2);
  for (std::int64_t i = 0; i < kernel->size; ++i) store.values()[kernel->offset + i] = float(rng.normal());
  const ParameterInfo* gamma = store.find("conv/bn/gamma");
  std::fill(store.values() + gamma->offset, store.values() + gamma->offset + gamma->size, 1.f);
  Harness h({1.f}, store.values(), store.grads());
  h.width_of[0] = 4;
  const float wd = 0.1f, reg = 0.5f;
  h.ctx.weight_decay = wd;
  const int a_in = 3, a_out = 4, n = 2;
  std::vector<float> x(std::size_t(n) * 5 * 5 * a_in);
  for (float& v : x) v = float(rng.normal());
  const Act y = conv->forward(h.ctx, Act{x.data(), n, 5, 5, a_in}, reg);
  // BN: per active channel mean 0 and std 1 (biased variance; eps 1e-3 shrinks it slightly).
  for (int c = 0; c < a_out; ++c) {
    double s = 0, s2 = 0;
    for (std::int64_t p = 0; p < y.pixels(); ++p) s += y.data[p * a_out + c];
    const double mean = s / double(y.pixels());
    for (std::int64_t p = 0; p < y.pixels(); ++p) s2 += std::pow(y.data[p * a_out + c] - mean, 2);
    CHECK(std::fabs(mean) < 1e-5);
    CHECK(std::sqrt(s2 / double(y.pixels())) == doctest::Approx(1.0).epsilon(2e-3));
  }
  // L2: (wd/2) * reg * sum over the active [3][3][a_in][a_out] slice only.
  double expected = 0;
  const float* w = store.values() + kernel->offset;
  for (int t = 0; t < 9; ++t)
    for (int i = 0; i < a_in; ++i)
      for (int o = 0; o < a_out; ++o) expected += double(w[(t * 5 + i) * 6 + o]) * w[(t * 5 + i) * 6 + o];
  CHECK(h.ctx.reg_loss == doctest::Approx(wd / 2 * reg * expected).epsilon(1e-6));
  // Backward with dy = 0: the kernel gradient is exactly wd*reg*w on the slice, 0 outside.
  std::vector<float> dy(std::size_t(y.size()), 0.f);
  conv->backward(h.ctx, Act{dy.data(), y.n, y.h, y.w, y.c}, Act{}, reg);
  const float* g = store.grads() + kernel->offset;
  for (int t = 0; t < 9; ++t)
    for (int i = 0; i < 5; ++i)
      for (int o = 0; o < 6; ++o) {
        const int k = (t * 5 + i) * 6 + o;
        const float want = (i < a_in && o < a_out) ? wd * reg * w[k] : 0.f;
        CHECK(g[k] == doctest::Approx(want).epsilon(1e-6));
      }
}

}  // namespace
}  // namespace tunas::supernet::detail
