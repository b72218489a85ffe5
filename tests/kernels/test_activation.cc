// Tests for kernels/f32-activation: forward against formulas written here, backward against
// double-precision finite differences, channel prefixes, accumulation, threads.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "kernels/config.h"
#include "kernels/f32-activation/activation.h"
#include "tests/kernels/ops_test_helpers.h"

namespace {

using namespace tunas::kernels;
using namespace tunas::test::ops;
using tunas::test::make_rng;

constexpr Activation kAll[] = {Activation::none, Activation::relu, Activation::relu6,
                               Activation::hswish, Activation::sigmoid, Activation::swish};

// Independent double-precision definitions.
double ref_act(Activation act, double x) {
  switch (act) {
    case Activation::none: return x;
    case Activation::relu: return std::max(x, 0.0);
    case Activation::relu6: return std::min(std::max(x, 0.0), 6.0);
    case Activation::hswish: return x * std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0;
    case Activation::sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Activation::swish: return x / (1.0 + std::exp(-x));
  }
  return 0;
}

// Moves x at least 1e-2 away from every kink (0, 6, -3, 3) so finite differences are smooth.
float away_from_kinks(float x) {
  for (float k : {-3.f, 0.f, 3.f, 6.f}) {
    if (std::fabs(x - k) < 1e-2f) x = k + (x < k ? -2e-2f : 2e-2f);
  }
  return x;
}

}  // namespace

TEST_CASE("f32_activation_forward and _backward: every activation and ISA, prefixes, accumulate") {
  auto rng = make_rng("f32_activation");
  for (const tunas::Isa isa : allowed_isas()) {
    CAPTURE(std::string(tunas::isa_name(isa)));
    for (Activation act : kAll) {
      for (std::int64_t rows : {1, 35, 105}) {
        for (int channels : {1, 7, 8, 9, 17, 33}) {
          CAPTURE(std::string(activation_name(act)));
          CAPTURE(rows);
          CAPTURE(channels);
          const std::int64_t stride = channels + 3;
          std::vector<float> x = prefix_buffer(rng, rows, channels, stride, -8.f, 8.f);
          for (std::int64_t r = 0; r < rows; ++r) {
            for (int c = 0; c < channels; ++c)
              x[r * stride + c] = away_from_kinks(x[r * stride + c]);
          }
          const auto xd = prefix_to_double(x, rows, channels, stride);

          std::vector<double> expected(xd.size());
          for (std::size_t i = 0; i < xd.size(); ++i) expected[i] = ref_act(act, xd[i]);
          std::vector<float> y = prefix_buffer(rng, rows, channels, stride);
          f32_activation_forward(isa, act, rows, channels, y.data(), stride, x.data(), stride);
          CHECK(prefix_close(y, expected, rows, channels, stride, 1e-6, 1e-6));
          CHECK(outside_prefix_untouched(y, channels, stride));

          // In place gives the same values.
          std::vector<float> in_place = x;
          f32_activation_forward(isa, act, rows, channels, in_place.data(), stride,
                                 in_place.data(), stride);
          CHECK(in_place == y);

          // Backward: d_src += d_dst * f'(x), f' from central differences of the double form.
          const std::vector<float> dy = prefix_buffer(rng, rows, channels, stride);
          std::vector<float> dx = prefix_buffer(rng, rows, channels, stride);
          const auto dx0 = prefix_to_double(dx, rows, channels, stride);
          const auto dyd = prefix_to_double(dy, rows, channels, stride);
          f32_activation_backward(isa, act, rows, channels, dx.data(), stride, dy.data(), stride,
                                  x.data(), stride);
          std::vector<double> expected_dx(xd.size());
          const double h = 1e-6;
          for (std::size_t i = 0; i < xd.size(); ++i) {
            const double d = (ref_act(act, xd[i] + h) - ref_act(act, xd[i] - h)) / (2 * h);
            expected_dx[i] = dx0[i] + dyd[i] * d;
          }
          CHECK(prefix_close(dx, expected_dx, rows, channels, stride, 1e-5, 1e-5));
          CHECK(outside_prefix_untouched(dx, channels, stride));
        }
      }
    }
  }
}

TEST_CASE("activation_derivative at the kinks follows TF") {
  CHECK(activation_derivative(Activation::relu, 0.f) == 0.f);
  CHECK(activation_derivative(Activation::relu6, 0.f) == 0.f);
  CHECK(activation_derivative(Activation::relu6, 6.f) == 0.f);
  CHECK(activation_derivative(Activation::relu6, 5.9f) == 1.f);
  CHECK(activation_derivative(Activation::hswish, -3.f) == 0.f);
  CHECK(activation_derivative(Activation::hswish, 3.f) == 1.f);
  CHECK(activation_derivative(Activation::hswish, 0.f) == doctest::Approx(0.5));
  CHECK(activation_value(Activation::hswish, 1.f) == doctest::Approx(4.0 / 6.0));
  CHECK(activation_value(Activation::relu6, 7.f) == 6.f);
}

TEST_CASE("f32_activation: bitwise equal at 1 and 2 threads") {
  auto rng = make_rng("f32_activation threads");
  const std::int64_t rows = 3000;
  const int channels = 33;
  const std::vector<float> x = prefix_buffer(rng, rows, channels, channels, -8.f, 8.f);
  const std::vector<float> dy = prefix_buffer(rng, rows, channels, channels);
  for (Activation act : kAll) {
    CAPTURE(std::string(activation_name(act)));
    check_threads_bitwise([&] {
      std::vector<float> y(x.size()), dx(x.size(), 0.5f);
      f32_activation_forward(act, rows, channels, y.data(), channels, x.data(), channels);
      f32_activation_backward(act, rows, channels, dx.data(), channels, dy.data(), channels, x.data(), channels);
      y.insert(y.end(), dx.begin(), dx.end());
      return y;
    });
  }
}

TEST_CASE("f32_activation: scalar and vector row kernels, channel tails, untouched padding") {
  if (allowed_isas().size() < 2) {
    MESSAGE("skipped: vector activation kernels (no AVX2+FMA or TUNAS_MAX_ISA caps them)");
    return;
  }
  auto rng = make_rng("f32_activation isa");
  for (const tunas::Isa isa : allowed_isas()) {
    if (isa == tunas::Isa::scalar) continue;
    CAPTURE(std::string(tunas::isa_name(isa)));
    for (Activation act : kAll) {
      for (int channels : {1, 5, 8, 15, 16, 17, 40}) {
        CAPTURE(std::string(activation_name(act)));
        CAPTURE(channels);
        const std::int64_t rows = 257, stride = channels + 5;
        const std::vector<float> x = prefix_buffer(rng, rows, channels, stride, -30.f, 30.f);
        const std::vector<float> dy = prefix_buffer(rng, rows, channels, stride);
        const std::vector<float> dx0 = prefix_buffer(rng, rows, channels, stride);
        std::vector<float> y_s = prefix_buffer(rng, rows, channels, stride), y_v = y_s;
        std::vector<float> dx_s = dx0, dx_v = dx0;
        f32_activation_forward(tunas::Isa::scalar, act, rows, channels, y_s.data(), stride, x.data(), stride);
        f32_activation_forward(isa, act, rows, channels, y_v.data(), stride, x.data(), stride);
        f32_activation_backward(tunas::Isa::scalar, act, rows, channels, dx_s.data(), stride, dy.data(), stride,
                                x.data(), stride);
        f32_activation_backward(isa, act, rows, channels, dx_v.data(), stride, dy.data(), stride,
                                x.data(), stride);
        CHECK(outside_prefix_untouched(y_v, channels, stride));
        CHECK(outside_prefix_untouched(dx_v, channels, stride));
        const auto ys = prefix_to_double(y_s, rows, channels, stride);
        const auto dxs = prefix_to_double(dx_s, rows, channels, stride);
        CHECK(prefix_close(y_v, ys, rows, channels, stride, 1e-6, 1e-6));
        CHECK(prefix_close(dx_v, dxs, rows, channels, stride, 1e-6, 1e-6));
        if (act != Activation::sigmoid && act != Activation::swish) {
          CHECK(y_v == y_s);  // no exp: the same float operations
        }
      }
    }
  }
}
