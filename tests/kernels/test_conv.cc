// Tests for kernels/f32-conv (stem k x k conv): naive references for forward, backward-data and
// backward-weights, finite differences, channel prefixes, spec §9.10 all-ones example, threads;
// forward and backward-weights on every ISA table of this machine (f32-conv.inc).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/cpu.h"
#include "kernels/config.h"
#include "kernels/f32-conv/conv.h"
#include "tests/kernels/ops_test_helpers.h"

namespace {

using namespace tunas::kernels;
using namespace tunas::test::ops;
using tunas::test::make_rng;

// Naive SAME conv in double on dense tensors: x [n][h][w][ci], w [k][k][ci][co].
std::vector<double> ref_conv(const ConvGeometry& g, int ci, int co, const std::vector<double>& x,
                             const std::vector<double>& w) {
  std::vector<double> y(std::size_t(g.batch) * g.out_h * g.out_w * co, 0.0);
  for (int n = 0; n < g.batch; ++n)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int o = 0; o < co; ++o) {
          double s = 0;
          for (int ky = 0; ky < g.kernel; ++ky)
            for (int kx = 0; kx < g.kernel; ++kx) {
              const int iy = oy * g.stride + ky - g.pad_top, ix = ox * g.stride + kx - g.pad_left;
              if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
              for (int i = 0; i < ci; ++i)
                s += x[((std::size_t(n) * g.in_h + iy) * g.in_w + ix) * ci + i] *
                     w[((std::size_t(ky) * g.kernel + kx) * ci + i) * co + o];
            }
          y[((std::size_t(n) * g.out_h + oy) * g.out_w + ox) * co + o] = s;
        }
  return y;
}

// Scatter-form backward references (a different loop structure from the kernel's gather).
void ref_conv_backward(const ConvGeometry& g, int ci, int co, const std::vector<double>& x,
                       const std::vector<double>& w, const std::vector<double>& dy,
                       std::vector<double>* dx, std::vector<double>* dw) {
  dx->assign(x.size(), 0.0);
  dw->assign(w.size(), 0.0);
  for (int n = 0; n < g.batch; ++n)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int ky = 0; ky < g.kernel; ++ky)
          for (int kx = 0; kx < g.kernel; ++kx) {
            const int iy = oy * g.stride + ky - g.pad_top, ix = ox * g.stride + kx - g.pad_left;
            if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
            for (int i = 0; i < ci; ++i)
              for (int o = 0; o < co; ++o) {
                const std::size_t xi = ((std::size_t(n) * g.in_h + iy) * g.in_w + ix) * ci + i;
                const std::size_t wi = ((std::size_t(ky) * g.kernel + kx) * ci + i) * co + o;
                const double d = dy[((std::size_t(n) * g.out_h + oy) * g.out_w + ox) * co + o];
                (*dx)[xi] += d * w[wi];
                (*dw)[wi] += d * x[xi];
              }
          }
}

// HWIO weight buffer [k][k][max_in][max_out] with the active prefix random, the rest sentinel.
std::vector<float> weight_buffer(tunas::Rng& rng, int k, int ci, int co, int max_in, int max_out) {
  std::vector<float> w(std::size_t(k) * k * max_in * max_out, kSentinel);
  for (int t = 0; t < k * k; ++t)
    for (int i = 0; i < ci; ++i)
      tunas::test::fill_uniform(rng, &w[(std::size_t(t) * max_in + i) * max_out], co);
  return w;
}

std::vector<double> weight_to_double(const std::vector<float>& w, int k, int ci, int co, int max_in, int max_out) {
  std::vector<double> d(std::size_t(k) * k * ci * co);
  for (int t = 0; t < k * k; ++t)
    for (int i = 0; i < ci; ++i)
      for (int o = 0; o < co; ++o) d[(std::size_t(t) * ci + i) * co + o] = w[(std::size_t(t) * max_in + i) * max_out + o];
  return d;
}

bool weight_outside_untouched(const std::vector<float>& w, int k, int ci, int co, int max_in, int max_out) {
  for (int t = 0; t < k * k; ++t)
    for (int i = 0; i < max_in; ++i)
      for (int o = 0; o < max_out; ++o)
        if ((i >= ci || o >= co) && w[(std::size_t(t) * max_in + i) * max_out + o] != kSentinel) return false;
  return true;
}

}  // namespace

TEST_CASE("f32_conv: forward, backward_data, backward_weights vs naive references") {
  auto rng = make_rng("f32_conv");
  struct Hw { int h, w; };
  for (tunas::Isa isa : allowed_isas())
  for (int k : {3, 5, 7}) {  // 7: 49 taps, more than one pass of the vector kernels over d_dst
    for (int stride : {1, 2}) {
      for (Hw hw : {Hw{1, 1}, Hw{2, 1}, Hw{7, 5}, Hw{15, 7}, Hw{6, 6}, Hw{12, 23}}) {
        for (int ci : {1, 3, 4, 11}) {
          for (int co : {1, 8, 9, 17, 33, 70}) {
            CAPTURE(std::string(tunas::isa_name(isa)));
            CAPTURE(k);
            CAPTURE(stride);
            CAPTURE(hw.h);
            CAPTURE(hw.w);
            CAPTURE(ci);
            CAPTURE(co);
            const ConvGeometry g = same_conv_geometry(2, hw.h, hw.w, k, stride);
            const int max_in = ci + 1, max_out = co + 3;
            const std::int64_t in_pixels = std::int64_t(g.batch) * g.in_h * g.in_w;
            const std::int64_t out_pixels = std::int64_t(g.batch) * g.out_h * g.out_w;
            const std::int64_t w_cs = max_out, w_ts = std::int64_t(max_in) * max_out;
            const std::vector<float> x = prefix_buffer(rng, in_pixels, ci, max_in);
            const std::vector<float> w = weight_buffer(rng, k, ci, co, max_in, max_out);
            const std::vector<float> dy = prefix_buffer(rng, out_pixels, co, max_out);
            const auto xd = prefix_to_double(x, in_pixels, ci, max_in);
            const auto wd = weight_to_double(w, k, ci, co, max_in, max_out);
            const auto dyd = prefix_to_double(dy, out_pixels, co, max_out);
            std::vector<double> ref_dx, ref_dw;
            ref_conv_backward(g, ci, co, xd, wd, dyd, &ref_dx, &ref_dw);

            std::vector<float> y = prefix_buffer(rng, out_pixels, co, max_out);
            f32_conv_forward(isa, g, ci, co, y.data(), max_out, x.data(), max_in, w.data(), w_cs, w_ts);
            CHECK(prefix_close(y, ref_conv(g, ci, co, xd, wd), out_pixels, co, max_out, 1e-4, 1e-5));
            CHECK(outside_prefix_untouched(y, co, max_out));

            std::vector<float> dx = prefix_buffer(rng, in_pixels, ci, max_in);
            auto expected_dx = prefix_to_double(dx, in_pixels, ci, max_in);
            for (std::size_t i = 0; i < expected_dx.size(); ++i) expected_dx[i] += ref_dx[i];
            f32_conv_backward_data(g, ci, co, dx.data(), max_in, dy.data(), max_out, w.data(), w_cs, w_ts);
            CHECK(prefix_close(dx, expected_dx, in_pixels, ci, max_in, 1e-4, 1e-5));  // up to 25 x 70 terms
            CHECK(outside_prefix_untouched(dx, ci, max_in));

            std::vector<float> dw = weight_buffer(rng, k, ci, co, max_in, max_out);
            auto expected_dw = weight_to_double(dw, k, ci, co, max_in, max_out);
            for (std::size_t i = 0; i < expected_dw.size(); ++i) expected_dw[i] += ref_dw[i];
            f32_conv_backward_weights(isa, g, ci, co, dw.data(), w_cs, w_ts, dy.data(), max_out, x.data(), max_in);
            const auto got_dw = weight_to_double(dw, k, ci, co, max_in, max_out);
            std::vector<float> got_dw_f(got_dw.begin(), got_dw.end());
            CHECK(prefix_close(got_dw_f, expected_dw, 1, int(expected_dw.size()), std::int64_t(expected_dw.size()), 1e-4, 1e-5));
            CHECK(weight_outside_untouched(dw, k, ci, co, max_in, max_out));
          }
        }
      }
    }
  }
}

TEST_CASE("f32_conv: gradients match double-precision finite differences") {
  auto rng = make_rng("f32_conv fd");
  const ConvGeometry g = same_conv_geometry(1, 5, 4, 3, 2);
  const int ci = 3, co = 4;
  const std::int64_t in_pixels = 20, out_pixels = std::int64_t(g.out_h) * g.out_w;
  const std::vector<float> x = prefix_buffer(rng, in_pixels, ci, ci);
  const std::vector<float> w = weight_buffer(rng, 3, ci, co, ci, co);
  const std::vector<float> r = prefix_buffer(rng, out_pixels, co, co);
  const auto xd = prefix_to_double(x, in_pixels, ci, ci), wd = weight_to_double(w, 3, ci, co, ci, co);
  const auto rd = prefix_to_double(r, out_pixels, co, co);
  auto loss = [&](const std::vector<double>& xv, const std::vector<double>& wv) {
    const auto y = ref_conv(g, ci, co, xv, wv);
    double l = 0;
    for (std::size_t i = 0; i < y.size(); ++i) l += rd[i] * y[i];
    return l;
  };
  std::vector<float> dx(x.size(), 0.f), dw(w.size(), 0.f);
  f32_conv_backward_data(g, ci, co, dx.data(), ci, r.data(), co, w.data(), co, ci * co);
  f32_conv_backward_weights(g, ci, co, dw.data(), co, ci * co, r.data(), co, x.data(), ci);
  CHECK(prefix_close(dx, fd_gradient(xd, [&](const std::vector<double>& v) { return loss(v, wd); }), in_pixels, ci, ci, 1e-5, 1e-4));
  CHECK(prefix_close(dw, fd_gradient(wd, [&](const std::vector<double>& v) { return loss(xd, v); }), 1, int(dw.size()), std::int64_t(dw.size()), 1e-5, 1e-4));
}

TEST_CASE("f32_conv: all-ones 3x3 on a 6x6 input of ones, one active input channel (spec 9.10)") {
  const int max_in = 3, max_out = 8, active_out = 5;
  const ConvGeometry g = same_conv_geometry(1, 6, 6, 3, 1);
  std::vector<float> x(36 * max_in, 0.f);
  for (int p = 0; p < 36; ++p) x[p * max_in] = 1.f;  // channel 0 active, the others zero
  const std::vector<float> w(9 * max_in * max_out, 1.f);
  std::vector<float> y(36 * max_out, 0.f);
  f32_conv_forward(g, 1, active_out, y.data(), max_out, x.data(), max_in, w.data(), max_out, max_in * max_out);
  for (int oy = 0; oy < 6; ++oy)
    for (int ox = 0; ox < 6; ++ox) {
      const bool edge_y = oy == 0 || oy == 5, edge_x = ox == 0 || ox == 5;
      const float expected = edge_y && edge_x ? 4.f : (edge_y || edge_x ? 6.f : 9.f);
      for (int o = 0; o < max_out; ++o) {
        CAPTURE(oy);
        CAPTURE(ox);
        CAPTURE(o);
        CHECK(y[(oy * 6 + ox) * max_out + o] == (o < active_out ? expected : 0.f));
      }
    }
}

TEST_CASE("f32_conv: bitwise equal at 1 and 2 threads") {
  for (tunas::Isa isa : allowed_isas()) {
  CAPTURE(std::string(tunas::isa_name(isa)));
  auto rng = make_rng("f32_conv threads");
  const ConvGeometry g = same_conv_geometry(2, 23, 19, 3, 2);
  const int ci = 3, co = 70;
  const std::int64_t in_pixels = 2 * 23 * 19, out_pixels = 2LL * g.out_h * g.out_w;
  const std::vector<float> x = prefix_buffer(rng, in_pixels, ci, ci);
  const std::vector<float> w = tunas::test::random_vector(rng, 9 * ci * co);
  const std::vector<float> dy = prefix_buffer(rng, out_pixels, co, co);
  check_threads_bitwise([&] {
    std::vector<float> y(out_pixels * co), dx(x.size(), 0.f), dw(w.size(), 0.f);
    f32_conv_forward(isa, g, ci, co, y.data(), co, x.data(), ci, w.data(), co, ci * co);
    f32_conv_backward_data(g, ci, co, dx.data(), ci, dy.data(), co, w.data(), co, ci * co);
    f32_conv_backward_weights(isa, g, ci, co, dw.data(), co, ci * co, dy.data(), co, x.data(), ci);
    y.insert(y.end(), dx.begin(), dx.end());
    y.insert(y.end(), dw.begin(), dw.end());
    return y;
  });
  }
}
