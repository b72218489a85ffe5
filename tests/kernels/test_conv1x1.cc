// Tests for kernels/f32-conv1x1: the strided GEMM (both ISAs) and the 1x1 conv API.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/cpu.h"
#include "kernels/config.h"
#include "kernels/f32-conv1x1/conv1x1.h"
#include "kernels/f32-conv1x1/gemm.h"
#include "tests/kernels/ops_test_helpers.h"

namespace {

using namespace tunas::kernels;
using namespace tunas::test::ops;
using tunas::test::make_rng;

// Every ISA table this machine can run (kernels/config.h), scalar first: the same oracles
// run on each.
std::vector<tunas::Isa> gemm_isas() {
  const std::vector<tunas::Isa> isas = tunas::kernels::allowed_isas();
  if (isas.size() < 2) MESSAGE("skipped: the AVX2 GEMM (no AVX2+FMA or TUNAS_MAX_ISA caps it)");
  return isas;
}

// Naive 1x1 conv references in double on dense [rows][channels] operands.
std::vector<double> ref_forward(std::int64_t p, int ci, int co, const std::vector<double>& x,
                                const std::vector<double>& w, const std::vector<double>* bias) {
  std::vector<double> y(std::size_t(p * co));
  for (std::int64_t r = 0; r < p; ++r) {
    for (int o = 0; o < co; ++o) {
      double s = bias ? (*bias)[o] : 0.0;
      for (int i = 0; i < ci; ++i) s += x[r * ci + i] * w[i * co + o];
      y[r * co + o] = s;
    }
  }
  return y;
}

std::vector<double> ref_backward_data(std::int64_t p, int ci, int co, const std::vector<double>& dy,
                                      const std::vector<double>& w) {
  std::vector<double> dx(std::size_t(p * ci));
  for (std::int64_t r = 0; r < p; ++r) {
    for (int i = 0; i < ci; ++i) {
      double s = 0;
      for (int o = 0; o < co; ++o) s += dy[r * co + o] * w[i * co + o];
      dx[r * ci + i] = s;
    }
  }
  return dx;
}

std::vector<double> ref_backward_weights(std::int64_t p, int ci, int co,
                                         const std::vector<double>& dy,
                                         const std::vector<double>& x) {
  std::vector<double> dw(std::size_t(ci * co));
  for (int i = 0; i < ci; ++i) {
    for (int o = 0; o < co; ++o) {
      double s = 0;
      for (std::int64_t r = 0; r < p; ++r) s += x[r * ci + i] * dy[r * co + o];
      dw[i * co + o] = s;
    }
  }
  return dw;
}

std::vector<double> add(std::vector<double> a, const std::vector<double>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

// One f32_gemm call against a naive GEMM in double: A logical M x K and B logical K x N, each
// stored with padding (row stride = extent + pad, `slack` spare floats at the end),
// transposed per `layout` bit 0 (A) and 1 (B); mode 0 overwrites C, 1 adds a bias, 2
// accumulates. C's padding must stay untouched.
struct GemmPads {
  std::int64_t a, b, c, slack;
};
void check_gemm(tunas::Rng& rng, tunas::Isa isa, std::int64_t m, std::int64_t n, std::int64_t k,
                int layout, int mode, GemmPads pad, double tolerance) {
  CAPTURE(tunas::isa_name(isa));
  CAPTURE(m);
  CAPTURE(n);
  CAPTURE(k);
  CAPTURE(layout);
  CAPTURE(mode);
  const bool a_t = layout & 1, b_t = layout & 2;
  const std::int64_t a_ld = (a_t ? m : k) + pad.a, b_ld = (b_t ? k : n) + pad.b, c_ld = n + pad.c;
  const std::vector<float> a =
      tunas::test::random_vector(rng, std::size_t((a_t ? k : m) * a_ld + pad.slack));
  const std::vector<float> b =
      tunas::test::random_vector(rng, std::size_t((b_t ? n : k) * b_ld + pad.slack));
  const std::vector<float> bias = tunas::test::random_vector(rng, std::size_t(n));
  std::vector<float> c = prefix_buffer(rng, m, int(n), c_ld);
  const std::vector<float> c0 = c;
  const std::int64_t a_rs = a_t ? 1 : a_ld, a_cs = a_t ? a_ld : 1;
  const std::int64_t b_rs = b_t ? 1 : b_ld, b_cs = b_t ? b_ld : 1;
  f32_gemm(isa, m, n, k, c.data(), c_ld, a.data(), a_rs, a_cs, b.data(), b_rs, b_cs,
           mode == 1 ? bias.data() : nullptr, mode == 2);
  std::vector<double> expected(std::size_t(m * n));
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double s = mode == 2 ? c0[i * c_ld + j] : (mode == 1 ? bias[j] : 0.0);
      for (std::int64_t p = 0; p < k; ++p) s += double(a[i * a_rs + p * a_cs]) * b[p * b_rs + j * b_cs];
      expected[i * n + j] = s;
    }
  }
  CHECK(prefix_close(c, expected, m, int(n), c_ld, tolerance, tolerance));
  CHECK(outside_prefix_untouched(c, int(n), c_ld));
}

}  // namespace

TEST_CASE("f32_gemm: scalar and avx2 match a naive GEMM in every layout and mode") {
  auto rng = make_rng("f32_gemm layouts");
  for (const tunas::Isa isa : gemm_isas()) {
    for (std::int64_t m : {1, 6, 7, 97}) {
      for (std::int64_t n : {1, 8, 9, 17, 33}) {
        for (std::int64_t k : {0, 1, 9, 300}) {
          for (int layout = 0; layout < 4; ++layout) {
            for (int mode = 0; mode < 3; ++mode)  // 0 overwrite, 1 bias, 2 accumulate
              check_gemm(rng, isa, m, n, k, layout, mode, GemmPads{3, 5, 4, 1}, 1e-5);
          }
        }
      }
    }
  }
}

// Tile-edge sweep for the AVX2 panels (6x16, 4x24 for the last 17..24 columns, 6x8 for the
// last 1..8), row tails of both tile heights, the 96-row / 384-row / 256-column blocks and
// balanced k blocks (k > 256), in every layout (transposed A is packed, transposed B too).
TEST_CASE("f32_gemm: panel widths, row tails, blocks and k blocks") {
  auto rng = make_rng("f32_gemm tiles");
  struct Case {
    std::int64_t m, n, k;
  };
  const Case cases[] = {{5, 8, 3},     {13, 24, 7},   {4, 40, 19},   {11, 23, 5},
                        {9, 25, 6},    {7, 41, 33},   {3, 48, 2},    {14, 7, 700},
                        {390, 24, 17}, {99, 270, 9},  {25, 520, 40}, {17, 144, 577},
                        {2, 16, 1},    {12, 33, 257}};
  for (const tunas::Isa isa : gemm_isas()) {
    for (const Case& cs : cases) {
      for (int layout = 0; layout < 4; ++layout) {
        for (int mode = 0; mode < 3; ++mode)
          check_gemm(rng, isa, cs.m, cs.n, cs.k, layout, mode, GemmPads{2, 3, 5, 0}, 1e-4);
      }
    }
  }
}

// The long-reduction layout (A transposed: backward-weights src^T) packs A in 12-row groups
// as vectors (full groups of contiguous rows) or element by element (the last partial group,
// strided rows), and packs every B panel (zero-padded tails); N = 1..50 covers every panel
// mix, M every group / tile tail, k one and several k blocks.
TEST_CASE("f32_gemm: transposed A with every N in 1..50, row tails, strided rows") {
  auto rng = make_rng("f32_gemm transposed A");
  for (const tunas::Isa isa : gemm_isas()) {
    for (std::int64_t m : {1, 5, 12, 13, 25, 30}) {
      for (std::int64_t n = 1; n <= 50; ++n) {
        for (std::int64_t k : {1, 7, 300, 517}) {
          for (std::int64_t a_rs : {1, 2}) {  // 2: rows strided as well, the element-wise pack
            CAPTURE(tunas::isa_name(isa));
            CAPTURE(m);
            CAPTURE(n);
            CAPTURE(k);
            CAPTURE(a_rs);
            const std::int64_t a_cs = m * a_rs + 3, b_ld = n + 2, c_ld = n + 1;
            const std::vector<float> a = tunas::test::random_vector(rng, std::size_t(k * a_cs));
            const std::vector<float> b = tunas::test::random_vector(rng, std::size_t(k * b_ld));
            std::vector<float> c = prefix_buffer(rng, m, int(n), c_ld);
            const std::vector<float> c0 = c;
            f32_gemm(isa, m, n, k, c.data(), c_ld, a.data(), a_rs, a_cs, b.data(), b_ld, 1, nullptr,
                     true);
            std::vector<double> expected(std::size_t(m * n));
            for (std::int64_t i = 0; i < m; ++i) {
              for (std::int64_t j = 0; j < n; ++j) {
                double s = c0[i * c_ld + j];
                for (std::int64_t p = 0; p < k; ++p) s += double(a[i * a_rs + p * a_cs]) * b[p * b_ld + j];
                expected[i * n + j] = s;
              }
            }
            REQUIRE(prefix_close(c, expected, m, int(n), c_ld, 1e-4, 1e-4));
            REQUIRE(outside_prefix_untouched(c, int(n), c_ld));
          }
        }
      }
    }
  }
}

// backward-weights is a long reduction over pixels (K >> M, N): many k blocks, packed src^T,
// and the column split used for it at 2 threads; checked against double and across threads.
TEST_CASE("f32_conv1x1_backward_weights: very long pixel reduction") {
  auto rng = make_rng("f32_conv1x1 long k");
  for (int ci : {13, 24}) {
    for (int co : {24, 40, 144}) {
      CAPTURE(ci);
      CAPTURE(co);
      const std::int64_t pixels = 6007;
      const std::int64_t xs = ci + 3, ys = co + 1, ws = co + 2;
      const std::vector<float> x = prefix_buffer(rng, pixels, ci, xs);
      const std::vector<float> dy = prefix_buffer(rng, pixels, co, ys);
      const std::vector<float> dw0 = prefix_buffer(rng, ci, co, ws);
      auto run = [&] {
        std::vector<float> dw = dw0;
        f32_conv1x1_backward_weights(pixels, ci, co, dw.data(), ws, dy.data(), ys, x.data(), xs);
        return dw;
      };
      const std::vector<float> dw = run();
      const auto expected = add(prefix_to_double(dw0, ci, co, ws),
                                ref_backward_weights(pixels, ci, co, prefix_to_double(dy, pixels, co, ys),
                                                     prefix_to_double(x, pixels, ci, xs)));
      CHECK(prefix_close(dw, expected, ci, co, ws, 1e-3, 1e-4));
      CHECK(outside_prefix_untouched(dw, co, ws));
      check_threads_bitwise(run);
    }
  }
}

TEST_CASE("f32_conv1x1: forward, backward_data, backward_weights on channel prefixes") {
  auto rng = make_rng("f32_conv1x1 prefixes");
  for (std::int64_t pixels : {1, 35, 105}) {  // 1x1, 7x5, 15x7 images
    for (int ci : {1, 7, 8, 9, 17, 33}) {
      for (int co : {1, 7, 8, 9, 17, 33}) {
        CAPTURE(pixels);
        CAPTURE(ci);
        CAPTURE(co);
        const int max_in = ci + 2;
        const std::int64_t xs = ci + 3, ys = co + 5, ws = co + 2;
        const std::vector<float> x = prefix_buffer(rng, pixels, ci, xs);
        std::vector<float> w = prefix_buffer(rng, max_in, co, ws);  // rows past ci: unused
        for (std::int64_t i = std::int64_t(ci) * ws; i < std::int64_t(w.size()); ++i) w[i] = kSentinel;
        const std::vector<float> dy = prefix_buffer(rng, pixels, co, ys);
        const auto xd = prefix_to_double(x, pixels, ci, xs);
        const auto wd = prefix_to_double(w, ci, co, ws);
        const auto dyd = prefix_to_double(dy, pixels, co, ys);

        SUBCASE("forward overwrites dst") {
          std::vector<float> y = prefix_buffer(rng, pixels, co, ys);
          f32_conv1x1_forward(pixels, ci, co, y.data(), ys, x.data(), xs, w.data(), ws);
          CHECK(prefix_close(y, ref_forward(pixels, ci, co, xd, wd, nullptr), pixels, co, ys, 1e-5, 1e-5));
          CHECK(outside_prefix_untouched(y, co, ys));
        }
        SUBCASE("backward_data accumulates") {
          std::vector<float> dx = prefix_buffer(rng, pixels, ci, xs);
          const auto dx0 = prefix_to_double(dx, pixels, ci, xs);
          f32_conv1x1_backward_data(pixels, ci, co, dx.data(), xs, dy.data(), ys, w.data(), ws);
          CHECK(prefix_close(dx, add(dx0, ref_backward_data(pixels, ci, co, dyd, wd)), pixels, ci, xs, 1e-5, 1e-5));
          CHECK(outside_prefix_untouched(dx, ci, xs));
        }
        SUBCASE("backward_weights accumulates and leaves rows past channels_in alone") {
          std::vector<float> dw = prefix_buffer(rng, max_in, co, ws);
          for (std::int64_t i = std::int64_t(ci) * ws; i < std::int64_t(dw.size()); ++i) dw[i] = kSentinel;
          const auto dw0 = prefix_to_double(dw, ci, co, ws);
          f32_conv1x1_backward_weights(pixels, ci, co, dw.data(), ws, dy.data(), ys, x.data(), xs);
          CHECK(prefix_close(dw, add(dw0, ref_backward_weights(pixels, ci, co, dyd, xd)), ci, co, ws, 1e-5, 1e-5));
          CHECK(outside_prefix_untouched(dw, co, ws));
          for (std::int64_t i = std::int64_t(ci) * ws; i < std::int64_t(dw.size()); ++i) REQUIRE(dw[i] == kSentinel);
        }
      }
    }
  }
}

TEST_CASE("f32_conv1x1_bias_forward and f32_conv1x1_backward_bias") {
  auto rng = make_rng("f32_conv1x1 bias");
  for (int co : {1, 9, 33, 70}) {
    CAPTURE(co);
    const std::int64_t pixels = 13;
    const int ci = 9;
    const std::int64_t xs = ci + 1, ys = co + 3;
    const std::vector<float> x = prefix_buffer(rng, pixels, ci, xs);
    const std::vector<float> w = prefix_buffer(rng, ci, co, co);
    const std::vector<float> bias = tunas::test::random_vector(rng, co);
    std::vector<float> y = prefix_buffer(rng, pixels, co, ys);
    f32_conv1x1_bias_forward(pixels, ci, co, y.data(), ys, x.data(), xs, w.data(), co, bias.data());
    const std::vector<double> bd(bias.begin(), bias.end());
    CHECK(prefix_close(y, ref_forward(pixels, ci, co, prefix_to_double(x, pixels, ci, xs), prefix_to_double(w, ci, co, co), &bd), pixels, co, ys, 1e-5, 1e-5));
    CHECK(outside_prefix_untouched(y, co, ys));

    std::vector<float> db = prefix_buffer(rng, 1, co, co + 2);
    const std::vector<float> db0 = db;
    f32_conv1x1_backward_bias(pixels, co, db.data(), y.data(), ys);
    std::vector<double> expected(co);
    for (int o = 0; o < co; ++o) {
      expected[o] = db0[o];
      for (std::int64_t r = 0; r < pixels; ++r) expected[o] += y[r * ys + o];
    }
    CHECK(prefix_close(db, expected, 1, co, co + 2, 1e-5, 1e-5));
    CHECK(outside_prefix_untouched(db, co, co + 2));
  }
}

TEST_CASE("f32_conv1x1: gradients match double-precision finite differences") {
  auto rng = make_rng("f32_conv1x1 fd");
  const std::int64_t pixels = 6;
  const int ci = 5, co = 7;
  const std::vector<float> x = prefix_buffer(rng, pixels, ci, ci);
  const std::vector<float> w = prefix_buffer(rng, ci, co, co);
  const std::vector<float> r = prefix_buffer(rng, pixels, co, co);  // L = sum r * y
  const auto xd = prefix_to_double(x, pixels, ci, ci), wd = prefix_to_double(w, ci, co, co);
  const auto rd = prefix_to_double(r, pixels, co, co);
  auto loss = [&](const std::vector<double>& xv, const std::vector<double>& wv) {
    const auto y = ref_forward(pixels, ci, co, xv, wv, nullptr);
    double l = 0;
    for (std::size_t i = 0; i < y.size(); ++i) l += rd[i] * y[i];
    return l;
  };
  std::vector<float> dx(x.size(), 0.f), dw(w.size(), 0.f);
  f32_conv1x1_backward_data(pixels, ci, co, dx.data(), ci, r.data(), co, w.data(), co);
  f32_conv1x1_backward_weights(pixels, ci, co, dw.data(), co, r.data(), co, x.data(), ci);
  const auto gx = fd_gradient(xd, [&](const std::vector<double>& v) { return loss(v, wd); });
  const auto gw = fd_gradient(wd, [&](const std::vector<double>& v) { return loss(xd, v); });
  CHECK(prefix_close(dx, gx, pixels, ci, ci, 1e-5, 1e-4));
  CHECK(prefix_close(dw, gw, ci, co, co, 1e-5, 1e-4));
}

TEST_CASE("f32_conv1x1: results are bitwise equal at 1 and 2 threads") {
  auto rng = make_rng("f32_conv1x1 threads");
  // Backward-weights partitions: columns (N > M), rows (N < M, small N), a 7-row M.
  const struct { std::int64_t pixels; int ci, co; } shapes[] = {
      {517, 40, 50}, {1000, 150, 20}, {700, 7, 130}};
  for (const auto& shape : shapes) {
    const std::int64_t pixels = shape.pixels;
    const int ci = shape.ci, co = shape.co;
    CAPTURE(ci);
    CAPTURE(co);
    const std::vector<float> x = prefix_buffer(rng, pixels, ci, ci + 1);
    const std::vector<float> w = prefix_buffer(rng, ci, co, co);
    const std::vector<float> dy = prefix_buffer(rng, pixels, co, co + 1);
    check_threads_bitwise([&] {
      std::vector<float> y(std::size_t(pixels * (co + 1)), 0.f), dx(x.size(), 0.f),
          dw(w.size(), 0.f);
      f32_conv1x1_forward(pixels, ci, co, y.data(), co + 1, x.data(), ci + 1, w.data(), co);
      f32_conv1x1_backward_data(pixels, ci, co, dx.data(), ci + 1, dy.data(), co + 1, w.data(),
                                co);
      f32_conv1x1_backward_weights(pixels, ci, co, dw.data(), co, dy.data(), co + 1, x.data(),
                                   ci + 1);
      y.insert(y.end(), dx.begin(), dx.end());
      y.insert(y.end(), dw.begin(), dw.end());
      return y;
    });
  }
}

// The 1x1 passes as f32_gemm calls on one ISA table (the layouts of conv1x1.cc): forward
// A = x, B = w; backward-data A = dy, B = w^T; backward-weights A = x^T, B = dy.
TEST_CASE("f32_gemm: every ISA table is bitwise thread-independent; vector tables agree bitwise") {
  auto rng = make_rng("f32_gemm isa threads");
  const std::int64_t pixels = 517;
  const int ci = 40, co = 50;  // 50 = 3 AVX-512 vectors + a 2-lane tail; 40 = 2.5
  const std::vector<float> x = prefix_buffer(rng, pixels, ci, ci + 1);
  const std::vector<float> w = prefix_buffer(rng, ci, co, co);
  const std::vector<float> dy = prefix_buffer(rng, pixels, co, co + 1);
  std::vector<float> avx2_result;
  for (const tunas::Isa isa : gemm_isas()) {
    CAPTURE(std::string(tunas::isa_name(isa)));
    auto run = [&] {
      std::vector<float> y(std::size_t(pixels * (co + 1)), 0.f), dx(x.size(), 0.f),
          dw(w.size(), 0.f);
      f32_gemm(isa, pixels, co, ci, y.data(), co + 1, x.data(), ci + 1, 1, w.data(), co, 1,
               nullptr, false);
      f32_gemm(isa, pixels, ci, co, dx.data(), ci + 1, dy.data(), co + 1, 1, w.data(), 1, co,
               nullptr, true);
      f32_gemm(isa, ci, co, pixels, dw.data(), co, x.data(), 1, ci + 1, dy.data(), co + 1, 1,
               nullptr, true);
      y.insert(y.end(), dx.begin(), dx.end());
      y.insert(y.end(), dw.begin(), dw.end());
      return y;
    };
    check_threads_bitwise(run);
    // Every C element is the same FMA chain over k on every vector ISA.
    if (isa == tunas::Isa::avx2) avx2_result = run();
    if (int(isa) > int(tunas::Isa::avx2)) CHECK((run() == avx2_result));
  }
}

TEST_CASE("f32_conv1x1_backward_data_overwrite: bitwise the accumulate form into zeros") {
  auto rng = make_rng("f32_conv1x1 overwrite");
  const std::int64_t pixels = 1031;
  const int ci = 37, co = 19;
  const std::vector<float> w = prefix_buffer(rng, ci, co, co + 3);
  const std::vector<float> dy = prefix_buffer(rng, pixels, co, co + 1);
  std::vector<float> dx_acc(std::size_t(pixels * (ci + 2)), kSentinel), dx_over = dx_acc;
  for (std::int64_t r = 0; r < pixels; ++r) {
    std::fill(dx_acc.begin() + r * (ci + 2), dx_acc.begin() + r * (ci + 2) + ci, 0.f);
    std::fill(dx_over.begin() + r * (ci + 2), dx_over.begin() + r * (ci + 2) + ci, NAN);
  }
  f32_conv1x1_backward_data(pixels, ci, co, dx_acc.data(), ci + 2, dy.data(), co + 1, w.data(),
                            co + 3);
  f32_conv1x1_backward_data_overwrite(pixels, ci, co, dx_over.data(), ci + 2, dy.data(), co + 1,
                                      w.data(), co + 3);
  CHECK(outside_prefix_untouched(dx_over, ci, ci + 2));
  CHECK(std::memcmp(dx_acc.data(), dx_over.data(), dx_acc.size() * sizeof(float)) == 0);
}

// The serial forms on row ranges (as the BN fusion hooks call them) give the parallel forms'
// results bitwise.
TEST_CASE("f32_conv1x1 serial forms on row ranges: bitwise the parallel forms") {
  auto rng = make_rng("f32_conv1x1 serial");
  const std::int64_t pixels = 1000;
  const int ci = 24, co = 40;
  const std::vector<float> x = prefix_buffer(rng, pixels, ci, ci + 1);
  const std::vector<float> w = prefix_buffer(rng, ci, co, co + 2);
  const std::vector<float> dy = prefix_buffer(rng, pixels, co, co + 3);
  std::vector<float> y_par(std::size_t(pixels * (co + 3)), kSentinel), y_ser = y_par;
  std::vector<float> dx_par = prefix_buffer(rng, pixels, ci, ci + 1), dx_ser = dx_par;
  f32_conv1x1_forward(pixels, ci, co, y_par.data(), co + 3, x.data(), ci + 1, w.data(), co + 2);
  f32_conv1x1_backward_data(pixels, ci, co, dx_par.data(), ci + 1, dy.data(), co + 3, w.data(),
                            co + 2);
  for (std::int64_t r0 = 0; r0 < pixels; r0 += 128) {  // ranges of 128 rows, the last partial
    const std::int64_t n = std::min<std::int64_t>(128, pixels - r0);
    f32_conv1x1_forward_serial(n, ci, co, y_ser.data() + r0 * (co + 3), co + 3,
                               x.data() + r0 * (ci + 1), ci + 1, w.data(), co + 2);
    f32_conv1x1_backward_data_serial(n, ci, co, dx_ser.data() + r0 * (ci + 1), ci + 1,
                                     dy.data() + r0 * (co + 3), co + 3, w.data(), co + 2);
  }
  CHECK(std::memcmp(y_par.data(), y_ser.data(), y_par.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(dx_par.data(), dx_ser.data(), dx_par.size() * sizeof(float)) == 0);
}
