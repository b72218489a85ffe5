// Tests for kernels/f32-se: the gate multiply forward and its two backwards, plus a whole SE
// block composed from pool, dense (1x1 conv with bias), activation and gate, checked against
// double-precision finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "kernels/f32-activation/activation.h"
#include "kernels/f32-dense/dense.h"
#include "kernels/f32-pool/pool.h"
#include "kernels/f32-se/se.h"
#include "tests/kernels/ops_test_helpers.h"

using namespace tunas::kernels;
using namespace tunas::test::ops;

TEST_CASE("f32_se_gate: forward, backward_data, backward_gate vs naive, prefixes, accumulation") {
  auto rng = tunas::test::make_rng("f32_se_gate");
  for (std::int64_t hw : {1, 35, 105}) {
    for (int channels : {1, 7, 8, 9, 17, 33, 70}) {
      CAPTURE(hw);
      CAPTURE(channels);
      const int batch = 2;
      const std::int64_t rows = batch * hw, xs = channels + 3, gs = channels + 1;
      const std::vector<float> x = prefix_buffer(rng, rows, channels, xs);
      const std::vector<float> gate = prefix_buffer(rng, batch, channels, gs, 0.f, 1.f);
      const std::vector<float> dy = prefix_buffer(rng, rows, channels, xs);
      std::vector<float> y = prefix_buffer(rng, rows, channels, xs);
      std::vector<float> dx = prefix_buffer(rng, rows, channels, xs);
      std::vector<float> dgate = prefix_buffer(rng, batch, channels, gs);
      auto expected_y = std::vector<double>(rows * channels);
      auto expected_dx = prefix_to_double(dx, rows, channels, xs);
      auto expected_dgate = prefix_to_double(dgate, batch, channels, gs);
      for (std::int64_t r = 0; r < rows; ++r)
        for (int c = 0; c < channels; ++c) {
          const double g = gate[(r / hw) * gs + c];
          expected_y[r * channels + c] = x[r * xs + c] * g;
          expected_dx[r * channels + c] += dy[r * xs + c] * g;
          expected_dgate[(r / hw) * channels + c] += double(dy[r * xs + c]) * x[r * xs + c];
        }
      f32_se_gate_forward(batch, hw, channels, y.data(), xs, x.data(), xs, gate.data(), gs);
      f32_se_gate_backward_data(batch, hw, channels, dx.data(), xs, dy.data(), xs, gate.data(), gs);
      f32_se_gate_backward_gate(batch, hw, channels, dgate.data(), gs, dy.data(), xs, x.data(), xs);
      CHECK(prefix_close(y, expected_y, rows, channels, xs, 1e-6, 1e-6));
      CHECK(prefix_close(dx, expected_dx, rows, channels, xs, 1e-6, 1e-6));
      CHECK(prefix_close(dgate, expected_dgate, batch, channels, gs, 1e-5, 1e-5));
      CHECK(outside_prefix_untouched(y, channels, xs));
      CHECK(outside_prefix_untouched(dx, channels, xs));
      CHECK(outside_prefix_untouched(dgate, channels, gs));
    }
  }
}

TEST_CASE("SE block composed from kernels matches double-precision finite differences") {
  auto rng = tunas::test::make_rng("se block fd");
  const int batch = 2, e = 6, hidden = 3;
  const std::int64_t hw = 5;
  const std::vector<float> x = tunas::test::random_vector(rng, batch * hw * e);
  const std::vector<float> w1 = tunas::test::random_vector(rng, e * hidden), b1 = tunas::test::random_vector(rng, hidden);
  const std::vector<float> w2 = tunas::test::random_vector(rng, hidden * e), b2 = tunas::test::random_vector(rng, e);
  const std::vector<float> r = tunas::test::random_vector(rng, batch * hw * e);  // L = sum r * y

  // Reference SE in double: y = x * sigmoid(W2 relu(W1 mean(x) + b1) + b2).
  auto loss = [&](const std::vector<double>& xv) {
    double l = 0;
    for (int n = 0; n < batch; ++n) {
      std::vector<double> pooled(e, 0.0), h(hidden), gate(e);
      for (std::int64_t p = 0; p < hw; ++p)
        for (int c = 0; c < e; ++c) pooled[c] += xv[(n * hw + p) * e + c] / hw;
      for (int j = 0; j < hidden; ++j) {
        double s = b1[j];
        for (int c = 0; c < e; ++c) s += pooled[c] * w1[c * hidden + j];
        h[j] = std::max(s, 0.0);
      }
      for (int c = 0; c < e; ++c) {
        double s = b2[c];
        for (int j = 0; j < hidden; ++j) s += h[j] * w2[j * e + c];
        gate[c] = 1.0 / (1.0 + std::exp(-s));
      }
      for (std::int64_t p = 0; p < hw; ++p)
        for (int c = 0; c < e; ++c) l += r[(n * hw + p) * e + c] * xv[(n * hw + p) * e + c] * gate[c];
    }
    return l;
  };

  // Forward with kernels, saving what the backward needs.
  std::vector<float> pooled(batch * e), h_pre(batch * hidden), h(batch * hidden), g_pre(batch * e), gate(batch * e);
  f32_global_avg_pool_forward(batch, hw, e, pooled.data(), e, x.data(), e);
  f32_dense_forward(batch, e, hidden, h_pre.data(), hidden, pooled.data(), e, w1.data(), hidden, b1.data());
  f32_activation_forward(Activation::relu, batch, hidden, h.data(), hidden, h_pre.data(), hidden);
  f32_dense_forward(batch, hidden, e, g_pre.data(), e, h.data(), hidden, w2.data(), e, b2.data());
  f32_activation_forward(Activation::sigmoid, batch, e, gate.data(), e, g_pre.data(), e);
  for (float v : h_pre) REQUIRE(std::fabs(v) > 1e-3f);  // away from the ReLU kink

  // Backward: y = x * gate feeds both x directly and the gate path.
  std::vector<float> dx(x.size(), 0.f), dgate(batch * e, 0.f), dg_pre(batch * e, 0.f), dh(batch * hidden, 0.f),
      dh_pre(batch * hidden, 0.f), dpooled(batch * e, 0.f), dw1(w1.size(), 0.f), db1(hidden, 0.f),
      dw2(w2.size(), 0.f), db2(e, 0.f);
  f32_se_gate_backward_data(batch, hw, e, dx.data(), e, r.data(), e, gate.data(), e);
  f32_se_gate_backward_gate(batch, hw, e, dgate.data(), e, r.data(), e, x.data(), e);
  f32_activation_backward(Activation::sigmoid, batch, e, dg_pre.data(), e, dgate.data(), e, g_pre.data(), e);
  f32_dense_backward_weights(batch, hidden, e, dw2.data(), e, db2.data(), dg_pre.data(), e, h.data(), hidden);
  f32_dense_backward_data(batch, hidden, e, dh.data(), hidden, dg_pre.data(), e, w2.data(), e);
  f32_activation_backward(Activation::relu, batch, hidden, dh_pre.data(), hidden, dh.data(), hidden, h_pre.data(), hidden);
  f32_dense_backward_weights(batch, e, hidden, dw1.data(), hidden, db1.data(), dh_pre.data(), hidden, pooled.data(), e);
  f32_dense_backward_data(batch, e, hidden, dpooled.data(), e, dh_pre.data(), hidden, w1.data(), hidden);
  f32_global_avg_pool_backward(batch, hw, e, dx.data(), e, dpooled.data(), e);

  const std::vector<double> xd(x.begin(), x.end());
  const auto expected = fd_gradient(xd, loss);
  CHECK(prefix_close(dx, expected, 1, int(dx.size()), std::int64_t(dx.size()), 1e-5, 1e-4));
}

TEST_CASE("f32_se_gate: bitwise equal at 1 and 2 threads") {
  auto rng = tunas::test::make_rng("f32_se_gate threads");
  const int batch = 4, channels = 150;
  const std::int64_t hw = 196;
  const std::vector<float> x = prefix_buffer(rng, batch * hw, channels, channels);
  const std::vector<float> gate = prefix_buffer(rng, batch, channels, channels);
  check_threads_bitwise([&] {
    std::vector<float> y(x.size()), dx(x.size(), 0.f), dg(gate.size(), 0.f);
    f32_se_gate_forward(batch, hw, channels, y.data(), channels, x.data(), channels, gate.data(), channels);
    f32_se_gate_backward_data(batch, hw, channels, dx.data(), channels, x.data(), channels, gate.data(), channels);
    f32_se_gate_backward_gate(batch, hw, channels, dg.data(), channels, y.data(), channels, x.data(), channels);
    y.insert(y.end(), dx.begin(), dx.end());
    y.insert(y.end(), dg.begin(), dg.end());
    return y;
  });
}
