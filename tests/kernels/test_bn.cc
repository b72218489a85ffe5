// Tests for kernels/f32-bn: training/inference forward against a double-precision reference,
// backward against finite differences, masked BN (spec §3.6, §9.10), moving statistics.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/cpu.h"
#include "core/threads.h"
#include "kernels/config.h"
#include "kernels/f32-bn/bn.h"
#include "tests/kernels/ops_test_helpers.h"

namespace {

using namespace tunas::kernels;
using namespace tunas::test::ops;
using tunas::test::make_rng;

constexpr Activation kAll[] = {Activation::none, Activation::relu, Activation::relu6,
                               Activation::hswish, Activation::sigmoid, Activation::swish};
constexpr double kEps = 1e-3;

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

struct RefBn {
  std::vector<double> y, z, mean, var;
};

// Training-mode BN in double on dense [rows][channels].
RefBn ref_bn(std::int64_t rows, int channels, const std::vector<double>& x,
             const std::vector<double>& gamma, const std::vector<double>& beta, Activation act) {
  RefBn r{std::vector<double>(x.size()), std::vector<double>(x.size()),
          std::vector<double>(channels), std::vector<double>(channels)};
  for (int c = 0; c < channels; ++c) {
    double s = 0;
    for (std::int64_t i = 0; i < rows; ++i) s += x[i * channels + c];
    r.mean[c] = s / rows;
    double q = 0;
    for (std::int64_t i = 0; i < rows; ++i) q += (x[i * channels + c] - r.mean[c]) * (x[i * channels + c] - r.mean[c]);
    r.var[c] = q / rows;
    for (std::int64_t i = 0; i < rows; ++i) {
      const double z = gamma[c] * (x[i * channels + c] - r.mean[c]) / std::sqrt(r.var[c] + kEps) + beta[c];
      r.z[i * channels + c] = z;
      r.y[i * channels + c] = ref_act(act, z);
    }
  }
  return r;
}

bool near_kink(Activation act, const std::vector<double>& z) {
  for (double v : z) {
    for (double k : {-3.0, 0.0, 3.0, 6.0}) {
      if (act != Activation::none && act != Activation::sigmoid && act != Activation::swish &&
          std::fabs(v - k) < 1e-3) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

TEST_CASE("f32_bn_forward_training: matches a double reference on channel prefixes") {
  auto rng = make_rng("f32_bn forward");
  for (Activation act : kAll) {
    for (std::int64_t rows : {1, 35, 105}) {
      for (int channels : {1, 7, 8, 9, 17, 33, 70}) {
        CAPTURE(activation_name(act));
        CAPTURE(rows);
        CAPTURE(channels);
        const std::int64_t stride = channels + 3;
        const std::vector<float> x = prefix_buffer(rng, rows, channels, stride, -2.f, 3.f);
        const std::vector<float> gamma = tunas::test::random_vector(rng, channels, 0.5f, 1.5f);
        const std::vector<float> beta = tunas::test::random_vector(rng, channels, -1.f, 1.f);
        const RefBn ref = ref_bn(rows, channels, prefix_to_double(x, rows, channels, stride),
                                 {gamma.begin(), gamma.end()}, {beta.begin(), beta.end()}, act);
        std::vector<float> y = prefix_buffer(rng, rows, channels, stride);
        std::vector<float> mean(channels + 1, kSentinel), inv_std(channels + 1, kSentinel),
            var(channels + 1, kSentinel);
        f32_bn_forward_training(rows, channels, y.data(), stride, mean.data(), inv_std.data(), var.data(),
                                x.data(), stride, gamma.data(), beta.data(), act, float(kEps));
        CHECK(prefix_close(y, ref.y, rows, channels, stride, 1e-5, 1e-5));
        CHECK(outside_prefix_untouched(y, channels, stride));
        std::vector<double> ref_inv(channels);
        for (int c = 0; c < channels; ++c) ref_inv[c] = 1.0 / std::sqrt(ref.var[c] + kEps);
        CHECK(prefix_close(mean, ref.mean, 1, channels, channels + 1, 1e-6, 1e-6));
        CHECK(prefix_close(var, ref.var, 1, channels, channels + 1, 1e-6, 1e-6));
        CHECK(prefix_close(inv_std, ref_inv, 1, channels, channels + 1, 1e-6, 1e-6));
        CHECK(outside_prefix_untouched(mean, channels, channels + 1));

        // Statistics alone agree with the ones the forward saved.
        std::vector<float> m2(channels), v2(channels);
        f32_bn_batch_statistics(rows, channels, m2.data(), v2.data(), x.data(), stride);
        CHECK(std::equal(m2.begin(), m2.end(), mean.begin()));
        CHECK(std::equal(v2.begin(), v2.end(), var.begin()));
      }
    }
  }
}

TEST_CASE("f32_bn_backward_training: matches double-precision finite differences") {
  auto rng = make_rng("f32_bn backward");
  for (Activation act : kAll) {
    for (int channels : {1, 3, 9}) {
      const std::int64_t rows = 7;
      const std::int64_t stride = channels + 2;
      CAPTURE(activation_name(act));
      CAPTURE(channels);
      std::vector<float> x, gamma, beta;
      std::vector<double> xd, gd, bd;
      for (int attempt = 0;; ++attempt) {  // redraw until no z sits within 1e-3 of a kink
        REQUIRE(attempt < 100);
        x = prefix_buffer(rng, rows, channels, stride, -2.f, 3.f);
        gamma = tunas::test::random_vector(rng, channels, 0.5f, 2.f);
        beta = tunas::test::random_vector(rng, channels, -1.f, 1.f);
        xd = prefix_to_double(x, rows, channels, stride);
        gd.assign(gamma.begin(), gamma.end());
        bd.assign(beta.begin(), beta.end());
        if (!near_kink(act, ref_bn(rows, channels, xd, gd, bd, act).z)) break;
      }
      const std::vector<float> dy = prefix_buffer(rng, rows, channels, stride);
      const auto dyd = prefix_to_double(dy, rows, channels, stride);
      auto loss = [&](const std::vector<double>& xv, const std::vector<double>& gv, const std::vector<double>& bv) {
        const RefBn r = ref_bn(rows, channels, xv, gv, bv, act);
        double l = 0;
        for (std::size_t i = 0; i < r.y.size(); ++i) l += dyd[i] * r.y[i];
        return l;
      };
      std::vector<float> y(x.size()), mean(channels), inv_std(channels);
      f32_bn_forward_training(rows, channels, y.data(), stride, mean.data(), inv_std.data(), nullptr,
                              x.data(), stride, gamma.data(), beta.data(), act, float(kEps));
      std::vector<float> dx = prefix_buffer(rng, rows, channels, stride);
      std::vector<float> dgamma = prefix_buffer(rng, 1, channels, channels + 1);
      std::vector<float> dbeta = prefix_buffer(rng, 1, channels, channels + 1);
      const auto dx0 = prefix_to_double(dx, rows, channels, stride);
      const auto dg0 = prefix_to_double(dgamma, 1, channels, channels + 1);
      const auto db0 = prefix_to_double(dbeta, 1, channels, channels + 1);
      f32_bn_backward_training(rows, channels, dx.data(), stride, dgamma.data(), dbeta.data(), dy.data(),
                               stride, mean.data(), inv_std.data(), x.data(), stride, gamma.data(),
                               beta.data(), act);
      auto gx = fd_gradient(xd, [&](const std::vector<double>& v) { return loss(v, gd, bd); });
      auto gg = fd_gradient(gd, [&](const std::vector<double>& v) { return loss(xd, v, bd); });
      auto gb = fd_gradient(bd, [&](const std::vector<double>& v) { return loss(xd, gd, v); });
      for (std::size_t i = 0; i < gx.size(); ++i) gx[i] += dx0[i];
      for (int c = 0; c < channels; ++c) {
        gg[c] += dg0[c];
        gb[c] += db0[c];
      }
      CHECK(prefix_close(dx, gx, rows, channels, stride, 1e-4, 1e-4));
      CHECK(prefix_close(dgamma, gg, 1, channels, channels + 1, 1e-4, 1e-4));
      CHECK(prefix_close(dbeta, gb, 1, channels, channels + 1, 1e-4, 1e-4));
      CHECK(outside_prefix_untouched(dx, channels, stride));
      CHECK(outside_prefix_untouched(dgamma, channels, channels + 1));
    }
  }
}

TEST_CASE("masked BN on an active prefix: mean 0, std 1 on active channels, 0 elsewhere (spec 9.10)") {
  auto rng = make_rng("f32_bn masked");
  const std::int64_t rows = 2 * 6 * 6;
  const int max_channels = 16, active = 5;
  std::vector<float> x(rows * max_channels, 0.f);
  for (std::int64_t r = 0; r < rows; ++r) tunas::test::fill_uniform(rng, &x[r * max_channels], active, -100.f, 100.f);
  std::vector<float> y(x.size(), 0.f), mean(max_channels, 0.f), inv_std(max_channels, 0.f);
  const std::vector<float> gamma(max_channels, 1.f), beta(max_channels, 0.f);
  f32_bn_forward_training(rows, active, y.data(), max_channels, mean.data(), inv_std.data(), nullptr,
                          x.data(), max_channels, gamma.data(), beta.data(), Activation::none, kBnEpsilon);
  for (int c = 0; c < max_channels; ++c) {
    double s = 0, q = 0;
    for (std::int64_t r = 0; r < rows; ++r) s += y[r * max_channels + c];
    const double m = s / rows;
    for (std::int64_t r = 0; r < rows; ++r) q += (y[r * max_channels + c] - m) * (y[r * max_channels + c] - m);
    const double sd = std::sqrt(q / rows);
    CAPTURE(c);
    if (c < active) {
      CHECK(std::fabs(m) < 1e-5);
      CHECK(std::fabs(sd - 1.0) < 1e-4);
    } else {
      CHECK(s == 0.0);
      CHECK(q == 0.0);
    }
  }
}

TEST_CASE("f32_bn_forward_inference uses the moving statistics") {
  auto rng = make_rng("f32_bn inference");
  for (Activation act : kAll) {
    const std::int64_t rows = 35;
    const int channels = 17;
    const std::int64_t stride = 20;
    const std::vector<float> x = prefix_buffer(rng, rows, channels, stride, -3.f, 3.f);
    const auto g = tunas::test::random_vector(rng, channels, 0.5f, 1.5f);
    const auto b = tunas::test::random_vector(rng, channels);
    const auto mm = tunas::test::random_vector(rng, channels);
    const auto mv = tunas::test::random_vector(rng, channels, 0.1f, 2.f);
    std::vector<float> y = prefix_buffer(rng, rows, channels, stride);
    f32_bn_forward_inference(rows, channels, y.data(), stride, x.data(), stride, g.data(), b.data(),
                             mm.data(), mv.data(), act, kBnEpsilon);
    std::vector<double> expected(rows * channels);
    for (std::int64_t r = 0; r < rows; ++r) {
      for (int c = 0; c < channels; ++c) {
        expected[r * channels + c] =
            ref_act(act, g[c] * (x[r * stride + c] - double(mm[c])) / std::sqrt(double(mv[c]) + kEps) + b[c]);
      }
    }
    CAPTURE(activation_name(act));
    CHECK(prefix_close(y, expected, rows, channels, stride, 1e-5, 1e-5));
    CHECK(outside_prefix_untouched(y, channels, stride));
  }
}

TEST_CASE("f32_bn_update_moving_statistics: momentum 0.99, Bessel-corrected variance (by hand)") {
  // Batch of 4 values {1, 2, 3, 6}: mean 3, biased variance (4+1+0+9)/4 = 3.5, unbiased 14/3.
  const std::vector<float> x = {1.f, 2.f, 3.f, 6.f};
  float mean = 0, var = 0;
  f32_bn_batch_statistics(4, 1, &mean, &var, x.data(), 1);
  CHECK(mean == doctest::Approx(3.0));
  CHECK(var == doctest::Approx(3.5));
  float moving_mean = 0.f, moving_var = 1.f;
  f32_bn_update_moving_statistics(1, &moving_mean, &moving_var, &mean, &var, 4, kBnMomentum);
  CHECK(moving_mean == doctest::Approx(0.03).epsilon(1e-6));                     // 0 - 0.01*(0-3)
  CHECK(moving_var == doctest::Approx(1.0 - 0.01 * (1.0 - 14.0 / 3.0)).epsilon(1e-6));
}

TEST_CASE("f32_bn: bitwise equal at 1 and 2 threads") {
  auto rng = make_rng("f32_bn threads");
  const std::int64_t rows = 700;
  const int channels = 70;
  const std::vector<float> x = prefix_buffer(rng, rows, channels, channels);
  const std::vector<float> dy = prefix_buffer(rng, rows, channels, channels);
  const std::vector<float> g(channels, 1.2f), b(channels, 0.1f);
  check_threads_bitwise([&] {
    std::vector<float> y(x.size()), dx(x.size(), 0.f), m(channels), s(channels), v(channels),
        dg(channels, 0.f), db(channels, 0.f);
    f32_bn_forward_training(rows, channels, y.data(), channels, m.data(), s.data(), v.data(), x.data(),
                            channels, g.data(), b.data(), Activation::hswish, kBnEpsilon);
    f32_bn_backward_training(rows, channels, dx.data(), channels, dg.data(), db.data(), dy.data(), channels,
                             m.data(), s.data(), x.data(), channels, g.data(), b.data(), Activation::hswish);
    for (auto* part : {&dx, &m, &s, &v, &dg, &db}) y.insert(y.end(), part->begin(), part->end());
    return y;
  });
}

namespace {

// Every ISA table this machine can run (kernels/config.h), scalar first.
std::vector<tunas::Isa> bn_isas() {
  const std::vector<tunas::Isa> isas = tunas::kernels::allowed_isas();
  if (isas.size() < 2) MESSAGE("skipped: AVX2 BN kernels (no AVX2+FMA or TUNAS_MAX_ISA caps them)");
  return isas;
}

}  // namespace

TEST_CASE("f32_bn: 40000 x 17 rows (many chunks) against a double reference, every ISA") {
  auto rng = make_rng("f32_bn many rows");
  const std::int64_t rows = 40000 + 37;  // a partial last chunk
  const int channels = 17;
  const std::int64_t stride = 20;
  std::vector<float> x = prefix_buffer(rng, rows, channels, stride, -1.f, 1.f);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < channels; ++c) x[r * stride + c] += float(5 * c);  // offsets up to 80
  }
  const std::vector<float> dy = prefix_buffer(rng, rows, channels, stride);
  const std::vector<float> gamma = tunas::test::random_vector(rng, channels, 0.5f, 1.5f);
  const std::vector<float> beta = tunas::test::random_vector(rng, channels, -1.f, 1.f);
  const auto xd = prefix_to_double(x, rows, channels, stride);
  const auto dyd = prefix_to_double(dy, rows, channels, stride);
  for (Activation act : {Activation::relu, Activation::swish}) {
    const RefBn ref = ref_bn(rows, channels, xd, {gamma.begin(), gamma.end()}, {beta.begin(), beta.end()}, act);
    // Backward reference in double: dz = dy * act'(z); sums and dx from the formula.
    std::vector<double> dz(xd.size()), xhat(xd.size()), ref_db(channels), ref_dg(channels),
        abs_db(channels), abs_dg(channels), ref_dx(xd.size());
    for (std::int64_t r = 0; r < rows; ++r) {
      for (int c = 0; c < channels; ++c) {
        const std::size_t i = std::size_t(r * channels + c);
        const double z = ref.z[i], h = 1e-6;
        const double d = act == Activation::relu ? (z > 0 ? 1.0 : 0.0)
                                                 : (ref_act(act, z + h) - ref_act(act, z - h)) / (2 * h);
        dz[i] = dyd[i] * d;
        xhat[i] = (xd[i] - ref.mean[c]) / std::sqrt(ref.var[c] + kEps);
        ref_db[c] += dz[i];
        ref_dg[c] += dz[i] * xhat[i];
        abs_db[c] += std::fabs(dz[i]);
        abs_dg[c] += std::fabs(dz[i] * xhat[i]);
      }
    }
    for (std::int64_t r = 0; r < rows; ++r) {
      for (int c = 0; c < channels; ++c) {
        const std::size_t i = std::size_t(r * channels + c);
        ref_dx[i] = gamma[c] / std::sqrt(ref.var[c] + kEps) *
                    (dz[i] - ref_db[c] / rows - xhat[i] * ref_dg[c] / rows);
      }
    }
    for (tunas::Isa isa : bn_isas()) {
      CAPTURE(tunas::isa_name(isa));
      CAPTURE(activation_name(act));
      std::vector<float> y = prefix_buffer(rng, rows, channels, stride);
      std::vector<float> mean(channels), inv_std(channels), var(channels);
      f32_bn_forward_training(isa, rows, channels, y.data(), stride, mean.data(), inv_std.data(), var.data(),
                              x.data(), stride, gamma.data(), beta.data(), act, float(kEps));
      CHECK(outside_prefix_untouched(y, channels, stride));
      for (int c = 0; c < channels; ++c) {
        CAPTURE(c);
        CHECK(std::fabs(mean[c] - ref.mean[c]) <= 1e-6 * std::fabs(ref.mean[c]) + 1e-7);
        CHECK(std::fabs(var[c] - ref.var[c]) <= 1e-6 * ref.var[c]);
      }
      CHECK(prefix_close(y, ref.y, rows, channels, stride, 2e-5, 2e-5));
      std::vector<float> dx(x.size(), 0.f), dg(channels, 0.f), db(channels, 0.f);
      for (std::int64_t r = 0; r < rows; ++r) std::fill(dx.begin() + r * stride + channels, dx.begin() + (r + 1) * stride, kSentinel);
      f32_bn_backward_training(isa, rows, channels, dx.data(), stride, dg.data(), db.data(), dy.data(), stride,
                               mean.data(), inv_std.data(), x.data(), stride, gamma.data(), beta.data(), act);
      CHECK(outside_prefix_untouched(dx, channels, stride));
      for (int c = 0; c < channels; ++c) {
        CAPTURE(c);
        CHECK(std::fabs(db[c] - ref_db[c]) <= 1e-6 * abs_db[c] + 1e-6);
        CHECK(std::fabs(dg[c] - ref_dg[c]) <= 1e-5 * abs_dg[c] + 1e-6);  // xhat from float mean
      }
      CHECK(prefix_close(dx, ref_dx, rows, channels, stride, 1e-4, 1e-4));
    }
  }
}

TEST_CASE("f32_bn: bitwise equal at 1, 2 and 3 threads on every ISA and activation") {
  auto rng = make_rng("f32_bn threads 123");
  struct Shape {
    std::int64_t rows;
    int channels;
    std::int64_t stride;
  };
  for (Shape s : {Shape{40000, 17, 17}, Shape{1000, 70, 75}, Shape{129, 9, 9}}) {
    const std::vector<float> x = prefix_buffer(rng, s.rows, s.channels, s.stride, -2.f, 3.f);
    const std::vector<float> dy = prefix_buffer(rng, s.rows, s.channels, s.stride);
    const std::vector<float> g = tunas::test::random_vector(rng, s.channels, 0.5f, 1.5f);
    const std::vector<float> b = tunas::test::random_vector(rng, s.channels, -1.f, 1.f);
    for (tunas::Isa isa : bn_isas()) {
      for (Activation act : kAll) {
        CAPTURE(s.rows);
        CAPTURE(s.channels);
        CAPTURE(tunas::isa_name(isa));
        CAPTURE(activation_name(act));
        auto compute = [&] {
          std::vector<float> y(x.size()), dx(x.size(), 0.25f), m(s.channels), is(s.channels), v(s.channels),
              dg(s.channels, 0.f), db(s.channels, 0.f);
          f32_bn_forward_training(isa, s.rows, s.channels, y.data(), s.stride, m.data(), is.data(), v.data(),
                                  x.data(), s.stride, g.data(), b.data(), act, kBnEpsilon);
          f32_bn_backward_training(isa, s.rows, s.channels, dx.data(), s.stride, dg.data(), db.data(), dy.data(),
                                   s.stride, m.data(), is.data(), x.data(), s.stride, g.data(), b.data(), act);
          for (auto* part : {&dx, &m, &is, &v, &dg, &db}) y.insert(y.end(), part->begin(), part->end());
          return y;
        };
        std::vector<std::vector<float>> results;
        for (int threads : {1, 2, 3}) {
          tunas::set_num_threads(threads);
          results.push_back(compute());
        }
        tunas::set_num_threads(0);
        CHECK(std::memcmp(results[0].data(), results[1].data(), results[0].size() * sizeof(float)) == 0);
        CHECK(std::memcmp(results[0].data(), results[2].data(), results[0].size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("f32_bn: scalar and AVX2 kernels agree (forward, inference, backward)") {
  if (!tunas::cpu_has(tunas::Isa::avx2)) {
    MESSAGE("skipped: AVX2 BN kernels (no AVX2+FMA or TUNAS_MAX_ISA caps them)");
    return;
  }
  auto rng = make_rng("f32_bn isa agreement");
  for (Activation act : kAll) {
    for (int channels : {1, 7, 8, 16, 17, 33, 40, 70}) {
      CAPTURE(activation_name(act));
      CAPTURE(channels);
      const std::int64_t rows = 300, stride = channels + 3;
      const std::vector<float> x = prefix_buffer(rng, rows, channels, stride, -2.f, 3.f);
      const std::vector<float> dy = prefix_buffer(rng, rows, channels, stride);
      const std::vector<float> g = tunas::test::random_vector(rng, channels, 0.5f, 1.5f);
      const std::vector<float> b = tunas::test::random_vector(rng, channels, -1.f, 1.f);
      const std::vector<float> mv = tunas::test::random_vector(rng, channels, 0.1f, 2.f);
      std::vector<std::vector<float>> out[2];
      for (int i = 0; i < 2; ++i) {
        const tunas::Isa isa = i == 0 ? tunas::Isa::scalar : tunas::Isa::avx2;
        std::vector<float> y = prefix_buffer(rng, rows, channels, stride), yi = y;
        std::vector<float> dx(x.size(), kSentinel), m(channels), is(channels), v(channels), dg(channels, 0.f),
            db(channels, 0.f);
        for (std::int64_t r = 0; r < rows; ++r) std::fill(dx.begin() + r * stride, dx.begin() + r * stride + channels, 0.5f);
        f32_bn_forward_training(isa, rows, channels, y.data(), stride, m.data(), is.data(), v.data(), x.data(),
                                stride, g.data(), b.data(), act, kBnEpsilon);
        f32_bn_forward_inference(isa, rows, channels, yi.data(), stride, x.data(), stride, g.data(), b.data(),
                                 b.data(), mv.data(), act, kBnEpsilon);
        f32_bn_backward_training(isa, rows, channels, dx.data(), stride, dg.data(), db.data(), dy.data(), stride,
                                 m.data(), is.data(), x.data(), stride, g.data(), b.data(), act);
        CHECK(outside_prefix_untouched(y, channels, stride));
        CHECK(outside_prefix_untouched(yi, channels, stride));
        CHECK(outside_prefix_untouched(dx, channels, stride));
        out[i] = {y, yi, dx, m, is, v, dg, db};
      }
      const std::int64_t row_counts[] = {rows, rows, rows, 1, 1, 1, 1, 1};
      const std::int64_t strides[] = {stride, stride, stride, channels, channels, channels, channels, channels};
      for (int j = 0; j < 8; ++j) {
        CAPTURE(j);
        const auto ref = prefix_to_double(out[0][j], row_counts[j], channels, strides[j]);
        CHECK(prefix_close(out[1][j], ref, row_counts[j], channels, strides[j], 1e-5, 1e-5));
      }
    }
  }
}

TEST_CASE("f32_bn: caller-owned scratch gives the same bits and stays inside f32_bn_scratch_floats") {
  auto rng = make_rng("f32_bn scratch");
  for (const std::int64_t rows : {std::int64_t(1), std::int64_t(130), std::int64_t(1000)}) {
    CAPTURE(rows);
    const int channels = 37, stride = 40;
    const std::vector<float> x = prefix_buffer(rng, rows, channels, stride);
    const std::vector<float> dy = prefix_buffer(rng, rows, channels, stride);
    const std::vector<float> g = tunas::test::random_vector(rng, channels, 0.5f, 1.5f);
    const std::vector<float> b = tunas::test::random_vector(rng, channels, -1.f, 1.f);
    const std::vector<float> mv = tunas::test::random_vector(rng, channels, 0.1f, 2.f);
    const std::size_t floats = std::size_t(f32_bn_scratch_floats(rows, channels));
    // Results with the per-thread buffer [0] and with a sentinel-guarded caller buffer [1].
    std::vector<float> out[2];
    std::vector<float> scratch(floats + 64, kSentinel);
    for (int i = 0; i < 2; ++i) {
      std::vector<float> y(x.size(), 0.f), yi(x.size(), 0.f), dx(x.size(), 0.f), m(channels),
          s(channels), v(channels), dg(channels, 0.f), db(channels, 0.f);
      if (i == 0) {
        f32_bn_forward_training(rows, channels, y.data(), stride, m.data(), s.data(), v.data(),
                                x.data(), stride, g.data(), b.data(), Activation::swish, kBnEpsilon);
        f32_bn_forward_inference(rows, channels, yi.data(), stride, x.data(), stride, g.data(),
                                 b.data(), b.data(), mv.data(), Activation::relu, kBnEpsilon);
        f32_bn_backward_training(rows, channels, dx.data(), stride, dg.data(), db.data(), dy.data(),
                                 stride, m.data(), s.data(), x.data(), stride, g.data(), b.data(),
                                 Activation::swish);
      } else {
        f32_bn_forward_training(scratch.data(), rows, channels, y.data(), stride, m.data(), s.data(),
                                v.data(), x.data(), stride, g.data(), b.data(), Activation::swish,
                                kBnEpsilon);
        f32_bn_forward_inference(scratch.data(), rows, channels, yi.data(), stride, x.data(), stride,
                                 g.data(), b.data(), b.data(), mv.data(), Activation::relu,
                                 kBnEpsilon);
        f32_bn_backward_training(scratch.data(), rows, channels, dx.data(), stride, dg.data(),
                                 db.data(), dy.data(), stride, m.data(), s.data(), x.data(), stride,
                                 g.data(), b.data(), Activation::swish);
      }
      out[i] = y;
      for (auto* part : {&yi, &dx, &m, &s, &v, &dg, &db}) out[i].insert(out[i].end(), part->begin(), part->end());
    }
    REQUIRE(out[0].size() == out[1].size());
    CHECK(std::memcmp(out[0].data(), out[1].data(), out[0].size() * sizeof(float)) == 0);
    CHECK(std::all_of(scratch.begin() + std::ptrdiff_t(floats), scratch.end(),
                      [](float f) { return std::memcmp(&f, &kSentinel, sizeof f) == 0; }));
  }
}

// The overwrite form (the supernet's fresh gradient buffers): the values are those of the
// accumulating form into zeros, bitwise, whatever d_src held before (NaN here, so a read of
// the old prefix would show), and nothing past the channel prefix is written.
TEST_CASE("f32_bn_backward_training_overwrite: bitwise the accumulate form into zeros, every ISA") {
  auto rng = make_rng("f32_bn overwrite");
  const std::int64_t rows = 20000 + 13;  // several row blocks and chunks, a partial last one
  const int channels = 21;
  const std::int64_t stride = 24;
  const std::vector<float> x = prefix_buffer(rng, rows, channels, stride, -2.f, 3.f);
  const std::vector<float> dy = prefix_buffer(rng, rows, channels, stride);
  const std::vector<float> g = tunas::test::random_vector(rng, channels, 0.5f, 1.5f);
  const std::vector<float> b = tunas::test::random_vector(rng, channels, -1.f, 1.f);
  for (tunas::Isa isa : bn_isas()) {
    for (Activation act : kAll) {
      CAPTURE(tunas::isa_name(isa));
      CAPTURE(activation_name(act));
      std::vector<float> y(x.size()), m(channels), is(channels);
      f32_bn_forward_training(isa, rows, channels, y.data(), stride, m.data(), is.data(), nullptr,
                              x.data(), stride, g.data(), b.data(), act, kBnEpsilon);
      std::vector<float> dx_acc(x.size(), kSentinel), dx_over(x.size(), kSentinel);
      for (std::int64_t r = 0; r < rows; ++r) {
        std::fill(dx_acc.begin() + r * stride, dx_acc.begin() + r * stride + channels, 0.f);
        std::fill(dx_over.begin() + r * stride, dx_over.begin() + r * stride + channels, NAN);
      }
      std::vector<float> dg_acc(channels, 0.5f), db_acc(channels, -0.5f);
      std::vector<float> dg_over = dg_acc, db_over = db_acc;
      f32_bn_backward_training(isa, rows, channels, dx_acc.data(), stride, dg_acc.data(),
                               db_acc.data(), dy.data(), stride, m.data(), is.data(), x.data(),
                               stride, g.data(), b.data(), act);
      f32_bn_backward_training_overwrite(isa, rows, channels, dx_over.data(), stride,
                                         dg_over.data(), db_over.data(), dy.data(), stride,
                                         m.data(), is.data(), x.data(), stride, g.data(),
                                         b.data(), act);
      CHECK(outside_prefix_untouched(dx_over, channels, stride));
      CHECK(std::memcmp(dx_acc.data(), dx_over.data(), dx_acc.size() * sizeof(float)) == 0);
      // d_gamma and d_beta still accumulate.
      CHECK(std::memcmp(dg_acc.data(), dg_over.data(), dg_acc.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(db_acc.data(), db_over.data(), db_acc.size() * sizeof(float)) == 0);
    }
  }
}

// Fusion hooks (BnRowsHook): a producer that writes src chunk by chunk inside the statistics,
// and a consumer that reads d_src block by block as it is written. Results are bitwise those
// of the unfused calls at 1 and 2 threads; every row is produced before it is read and
// consumed after it is written, exactly once.
TEST_CASE("f32_bn fusion hooks: produced forward and consumed backward equal the unfused path") {
  auto rng = make_rng("f32_bn hooks");
  const std::int64_t rows = 3000 + 77;  // 25 chunks, the last one partial
  const int channels = 19;
  const std::int64_t stride = 20;
  const std::vector<float> x_source = prefix_buffer(rng, rows, channels, stride, -2.f, 3.f);
  const std::vector<float> dy = prefix_buffer(rng, rows, channels, stride);
  const std::vector<float> g = tunas::test::random_vector(rng, channels, 0.5f, 1.5f);
  const std::vector<float> b = tunas::test::random_vector(rng, channels, -1.f, 1.f);
  for (Activation act : {Activation::relu6, Activation::swish}) {
    CAPTURE(activation_name(act));
    std::vector<float> y_ref(x_source.size()), m_ref(channels), is_ref(channels), v_ref(channels);
    f32_bn_forward_training(rows, channels, y_ref.data(), stride, m_ref.data(), is_ref.data(),
                            v_ref.data(), x_source.data(), stride, g.data(), b.data(), act,
                            kBnEpsilon);
    std::vector<float> dx_ref(x_source.size(), kSentinel), dg_ref(channels, 0.f),
        db_ref(channels, 0.f);
    std::vector<float> scratch_ref(std::size_t(f32_bn_scratch_floats(rows, channels)));
    f32_bn_backward_training_overwrite(scratch_ref.data(), rows, channels, dx_ref.data(), stride, dg_ref.data(),
                                       db_ref.data(), dy.data(), stride, m_ref.data(),
                                       is_ref.data(), x_source.data(), stride, g.data(), b.data(),
                                       act);
    for (int threads : {1, 2}) {
      CAPTURE(threads);
      tunas::set_num_threads(threads);
      // Forward: src starts as NaN; the hook copies rows of x_source into it.
      std::vector<float> src(x_source.size(), NAN), y(x_source.size()), m(channels),
          is(channels), v(channels);
      std::vector<int> produced(std::size_t(rows), 0);
      const auto produce_rows = [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r) {
          ++produced[std::size_t(r)];
          std::copy(x_source.begin() + r * stride, x_source.begin() + (r + 1) * stride,
                    src.begin() + r * stride);
        }
      };
      std::vector<float> scratch(std::size_t(f32_bn_scratch_floats(rows, channels)));
      f32_bn_forward_training_produced(scratch.data(), rows, channels, y.data(), stride, m.data(), is.data(),
                                       v.data(), src.data(), stride, g.data(), b.data(), act,
                                       kBnEpsilon, BnRowsHook(produce_rows));
      CHECK(std::all_of(produced.begin(), produced.end(), [](int n) { return n == 1; }));
      CHECK(std::memcmp(y.data(), y_ref.data(), y.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(m.data(), m_ref.data(), m.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(is.data(), is_ref.data(), is.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(v.data(), v_ref.data(), v.size() * sizeof(float)) == 0);
      // Backward: the hook copies each block of d_src as soon as it is written.
      std::vector<float> dx(x_source.size(), kSentinel), seen(x_source.size(), NAN),
          dg(channels, 0.f), db(channels, 0.f);
      std::vector<int> consumed(std::size_t(rows), 0);
      const auto consume_rows = [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r) {
          ++consumed[std::size_t(r)];
          std::copy(dx.begin() + r * stride, dx.begin() + (r + 1) * stride,
                    seen.begin() + r * stride);
        }
      };
      const BnRowsHook consume(consume_rows);
      f32_bn_backward_training_overwrite(scratch.data(), rows, channels, dx.data(), stride, dg.data(), db.data(),
                                         dy.data(), stride, m.data(), is.data(), src.data(),
                                         stride, g.data(), b.data(), act, &consume);
      CHECK(std::all_of(consumed.begin(), consumed.end(), [](int n) { return n == 1; }));
      CHECK(std::memcmp(dx.data(), dx_ref.data(), dx.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(seen.data(), dx_ref.data(), dx.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(dg.data(), dg_ref.data(), dg.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(db.data(), db_ref.data(), db.size() * sizeof(float)) == 0);
    }
    tunas::set_num_threads(0);
  }
}
