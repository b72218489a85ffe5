// Depthwise convolution: every micro-kernel of f32-dwconv.inc and the operator entry points
// against an independent double-precision oracle (naive loops written here), plus
// finite-difference checks of the oracle's and the kernels' gradients.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/threads.h"
#include "kernels/config.h"
#include "kernels/f32-dwconv/dwconv.h"
#include "tests/test_util.h"

namespace {

using tunas::Isa;
using tunas::Rng;
using tunas::kernels::ConvGeometry;
using tunas::kernels::DwconvUkernels;

enum class Pass { forward, backward_data, backward_weights };

// TF SAME, computed here from the definition (independent of core/tensor.h).
ConvGeometry oracle_geometry(int batch, int in_h, int in_w, int k, int s) {
  ConvGeometry g;
  g.batch = batch;
  g.in_h = in_h;
  g.in_w = in_w;
  g.kernel = k;
  g.stride = s;
  g.out_h = (in_h + s - 1) / s;
  g.out_w = (in_w + s - 1) / s;
  g.pad_top = std::max((g.out_h - 1) * s + k - in_h, 0) / 2;
  g.pad_left = std::max((g.out_w - 1) * s + k - in_w, 0) / 2;
  return g;
}

// ---- oracle: dense (N, H, W, C) doubles, weight (k, k, C) ------------------------------

int64_t at(int64_t row, int64_t col, int64_t width, int c, int channels) {
  return (row * width + col) * channels + c;
}

// dst is (N, OH, OW, C) = sum over the taps of src (N, H, W, C) * w (k, k, C).
std::vector<double> ref_forward(const ConvGeometry& g, int C, const std::vector<double>& src,
                                const std::vector<double>& w) {
  std::vector<double> dst(size_t(g.batch) * g.out_h * g.out_w * C, 0.0);
  for (int n = 0; n < g.batch; ++n)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int kh = 0; kh < g.kernel; ++kh)
          for (int kw = 0; kw < g.kernel; ++kw) {
            const int iy = oy * g.stride + kh - g.pad_top, ix = ox * g.stride + kw - g.pad_left;
            if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
            for (int c = 0; c < C; ++c)
              dst[at(int64_t(n) * g.out_h + oy, ox, g.out_w, c, C)] +=
                  src[at(int64_t(n) * g.in_h + iy, ix, g.in_w, c, C)] *
                  w[at(kh, kw, g.kernel, c, C)];
          }
  return dst;
}

// d_src (N, H, W, C) += scatter of d_dst (N, OH, OW, C) through w: the transpose of
// ref_forward, written from the output side (the kernels gather from the input side).
void ref_backward_data(const ConvGeometry& g, int C, std::vector<double>& d_src,
                       const std::vector<double>& d_dst, const std::vector<double>& w) {
  for (int n = 0; n < g.batch; ++n)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int kh = 0; kh < g.kernel; ++kh)
          for (int kw = 0; kw < g.kernel; ++kw) {
            const int iy = oy * g.stride + kh - g.pad_top, ix = ox * g.stride + kw - g.pad_left;
            if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
            for (int c = 0; c < C; ++c)
              d_src[at(int64_t(n) * g.in_h + iy, ix, g.in_w, c, C)] +=
                  d_dst[at(int64_t(n) * g.out_h + oy, ox, g.out_w, c, C)] *
                  w[at(kh, kw, g.kernel, c, C)];
          }
}

// d_w (k, k, C) += sum over images and output pixels of d_dst * src at the tap.
void ref_backward_weights(const ConvGeometry& g, int C, std::vector<double>& d_w,
                          const std::vector<double>& d_dst, const std::vector<double>& src) {
  for (int n = 0; n < g.batch; ++n)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int kh = 0; kh < g.kernel; ++kh)
          for (int kw = 0; kw < g.kernel; ++kw) {
            const int iy = oy * g.stride + kh - g.pad_top, ix = ox * g.stride + kw - g.pad_left;
            if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
            for (int c = 0; c < C; ++c)
              d_w[at(kh, kw, g.kernel, c, C)] +=
                  d_dst[at(int64_t(n) * g.out_h + oy, ox, g.out_w, c, C)] *
                  src[at(int64_t(n) * g.in_h + iy, ix, g.in_w, c, C)];
          }
}

// ---- strided float tensors ---------------------------------------------------------------

// `pixels` pixels of `stride` floats of which the first `channels` are the active prefix;
// everything (the inactive channels too) starts random.
struct Strided {
  int64_t pixels = 0;
  int channels = 0;
  int64_t stride = 0;
  std::vector<float> data;

  Strided(Rng& rng, int64_t pixels_, int channels_, int64_t stride_)
      : pixels(pixels_), channels(channels_), stride(stride_),
        data(tunas::test::random_vector(rng, size_t(pixels_ * stride_))) {}

  std::vector<double> prefix() const {
    std::vector<double> v(size_t(pixels) * channels);
    for (int64_t p = 0; p < pixels; ++p)
      for (int c = 0; c < channels; ++c) v[p * channels + c] = data[p * stride + c];
    return v;
  }
  void fill_prefix(float value) {
    for (int64_t p = 0; p < pixels; ++p)
      for (int c = 0; c < channels; ++c) data[p * stride + c] = value;
  }
  // True when every float past the prefix is bitwise what `before` holds there.
  bool inactive_equal(const Strided& before) const {
    for (int64_t p = 0; p < pixels; ++p) {
      const size_t off = size_t(p * stride + channels), bytes = size_t(stride - channels) * 4;
      if (std::memcmp(&data[off], &before.data[off], bytes) != 0) return false;
    }
    return true;
  }
};

struct Problem {
  ConvGeometry g;
  int channels;
  Strided src, dst, weight;  // for the backward passes dst holds d_dst, src d_src, weight d_w
  Problem(Rng& rng, const ConvGeometry& g_, int channels_)
      : g(g_), channels(channels_),
        src(rng, int64_t(g_.batch) * g_.in_h * g_.in_w, channels_, channels_ + 3),
        dst(rng, int64_t(g_.batch) * g_.out_h * g_.out_w, channels_, channels_ + 2),
        weight(rng, int64_t(g_.kernel) * g_.kernel, channels_, channels_ + 5) {}
};

// Runs `pass` of `u` on p (the same buffers every time): forward writes p.dst, backward-data
// adds into p.src, backward-weights into p.weight.
void run_pass(Pass pass, const DwconvUkernels& u, Problem& p) {
  using namespace tunas::kernels;
  switch (pass) {
    case Pass::forward:
      f32_dwconv_forward_with(u, p.g, p.channels, p.dst.data.data(), p.dst.stride,
                              p.src.data.data(), p.src.stride, p.weight.data.data(),
                              p.weight.stride);
      break;
    case Pass::backward_data:
      f32_dwconv_backward_data_with(u, p.g, p.channels, p.src.data.data(), p.src.stride,
                                    p.dst.data.data(), p.dst.stride, p.weight.data.data(),
                                    p.weight.stride);
      break;
    case Pass::backward_weights:
      f32_dwconv_backward_weights_with(u, p.g, p.channels, p.weight.data.data(),
                                       p.weight.stride, p.dst.data.data(), p.dst.stride,
                                       p.src.data.data(), p.src.stride);
      break;
  }
}

// One pass against the oracle, with accumulate/overwrite semantics and the inactive
// channels of every buffer checked untouched.
void check_against_oracle(Pass pass, const DwconvUkernels& u, const ConvGeometry& g,
                          int channels, Rng& rng) {
  CAPTURE(g.batch);
  CAPTURE(g.in_h);
  CAPTURE(g.in_w);
  CAPTURE(g.kernel);
  CAPTURE(g.stride);
  CAPTURE(channels);
  Problem p(rng, g, channels);
  if (pass == Pass::forward) p.dst.fill_prefix(std::numeric_limits<float>::quiet_NaN());
  const Problem before = p;
  run_pass(pass, u, p);

  const std::vector<double> src = before.src.prefix(), dst = before.dst.prefix(),
                            w = before.weight.prefix();
  std::vector<double> expected;
  const Strided* actual = nullptr;
  double terms = 1;  // products summed into one output element (bounds the rounding error)
  switch (pass) {
    case Pass::forward:
      expected = ref_forward(g, channels, src, w);
      actual = &p.dst;
      terms = g.kernel * g.kernel;
      break;
    case Pass::backward_data:
      expected = src;  // accumulates into the initial d_src
      ref_backward_data(g, channels, expected, dst, w);
      actual = &p.src;
      terms = g.kernel * g.kernel;
      break;
    case Pass::backward_weights:
      expected = w;  // accumulates into the initial d_weight
      ref_backward_weights(g, channels, expected, dst, src);
      actual = &p.weight;
      terms = double(g.batch) * g.out_h * g.out_w;
      break;
  }
  const std::vector<double> got = actual->prefix();
  TUNAS_CHECK_CLOSE(got.data(), expected.data(), got.size(), 2e-7 * terms + 1e-6, 1e-5);
  CHECK(p.src.inactive_equal(before.src));
  CHECK(p.dst.inactive_equal(before.dst));
  CHECK(p.weight.inactive_equal(before.weight));
  // The read-only operands are not written at all.
  if (pass != Pass::backward_data) CHECK(p.src.data == before.src.data);
  if (pass == Pass::backward_data || pass == Pass::backward_weights) {
    CHECK(std::memcmp(p.dst.data.data(), before.dst.data.data(), p.dst.data.size() * 4) == 0);
  }
  if (pass != Pass::backward_weights) CHECK(p.weight.data == before.weight.data);
}

// Sweeps the shapes of STYLE.md G8 for one micro-kernel: channel counts around the 8-wide
// tile, spatial sizes where most taps are padding (1x1) and odd ones, every column
// remainder, pixel strides larger than the channel prefix, batch 2.
void check_ukernel(Pass pass, Isa isa, int kernel_size, int stride, const DwconvUkernels& u,
                   const char* name) {
  if (!tunas::kernels::isa_allowed(isa)) {
    const std::string why = std::string("skipped: ") + name + " needs " +
                            tunas::isa_name(isa) + " (CPU or TUNAS_MAX_ISA)";
    MESSAGE(why);
    return;
  }
  Rng rng = tunas::test::make_rng(name);
  const std::vector<int> kernels = kernel_size ? std::vector<int>{kernel_size}
                                               : std::vector<int>{3, 5, 7};
  const std::vector<int> strides = stride ? std::vector<int>{stride} : std::vector<int>{1, 2};
  // Widths 9..30 give every remainder of the column blocks (P = 6..16, then one block of
  // the remaining 1..P-1 columns, f32-dwconv-simd.h for_column_blocks) at both strides.
  const int sizes[][2] = {{1, 1}, {7, 5}, {15, 7}, {6, 16}, {2, 9},  {2, 10},
                          {3, 11}, {2, 12}, {2, 13}, {3, 14}, {2, 23}, {2, 30}};
  auto sweep = [&](std::initializer_list<int> channel_counts) {
    for (int k : kernels)
      for (int s : strides)
        for (const auto& hw : sizes)
          for (int c : channel_counts)
            check_against_oracle(pass, u, oracle_geometry(2, hw[0], hw[1], k, s), c, rng);
  };
  SUBCASE("c_eq_tile") { sweep({8}); }
  SUBCASE("c_lt_tile") { sweep({1, 7}); }
  SUBCASE("c_gt_tile") { sweep({9, 17, 33}); }
  SUBCASE("c_div_tile") { sweep({16, 24}); }
}

DwconvUkernels with_ukernel(Pass pass, tunas::kernels::f32_dwconv_forward_ukernel_fn* fn,
                            const char* name) {
  DwconvUkernels u = tunas::kernels::f32_dwconv_scalar_ukernels();
  switch (pass) {
    case Pass::forward: u.forward = fn, u.forward_name = name; break;
    case Pass::backward_data: u.backward_data = fn, u.backward_data_name = name; break;
    case Pass::backward_weights: u.backward_weights = fn, u.backward_weights_name = name; break;
  }
  return u;
}

}  // namespace

// One TEST_CASE per f32-dwconv.inc entry, named after the micro-kernel (STYLE.md G4, G8).
#define TUNAS_DWCONV_UKERNEL(isa, pass, kernel_size, stride, channel_tile, fn)             \
  TEST_CASE(#fn) {                                                                        \
    check_ukernel(Pass::pass, Isa::isa, kernel_size, stride,                              \
                  with_ukernel(Pass::pass, tunas::kernels::fn, #fn), #fn);                 \
  }
#include "kernels/f32-dwconv/f32-dwconv.inc"
#undef TUNAS_DWCONV_UKERNEL

// The avx512 entries again, as their SIMDe copies (kernels/config.h, avx512_emulated).
#define TUNAS_DWCONV_EMULATED_scalar(pass, kernel_size, stride, fn)
#define TUNAS_DWCONV_EMULATED_avx2(pass, kernel_size, stride, fn)
#define TUNAS_DWCONV_EMULATED_avx512(pass, kernel_size, stride, fn)                           \
  TEST_CASE(#fn " (avx512-emulated)") {                                                      \
    auto* emulated = reinterpret_cast<decltype(&tunas::kernels::fn)>(                        \
        tunas::kernels::find_emulated_ukernel(#fn));                                         \
    check_ukernel(Pass::pass, Isa::avx512_emulated, kernel_size, stride,                     \
                  with_ukernel(Pass::pass, emulated, #fn "_avx512emu"), #fn "_avx512emu");   \
  }
#define TUNAS_DWCONV_UKERNEL(isa, pass, kernel_size, stride, channel_tile, fn) \
  TUNAS_DWCONV_EMULATED_##isa(pass, kernel_size, stride, fn)
#include "kernels/f32-dwconv/f32-dwconv.inc"
#undef TUNAS_DWCONV_UKERNEL

TEST_CASE("f32_dwconv geometry: the oracle's TF SAME matches same_conv_geometry") {
  for (int in : {1, 2, 5, 7, 8, 15, 112, 113})
    for (int k : {3, 5, 7})
      for (int s : {1, 2}) {
        const ConvGeometry a = oracle_geometry(1, in, in + 1, k, s);
        const ConvGeometry b = tunas::kernels::same_conv_geometry(1, in, in + 1, k, s);
        CAPTURE(in);
        CAPTURE(k);
        CAPTURE(s);
        CHECK(a.out_h == b.out_h);
        CHECK(a.out_w == b.out_w);
        CHECK(a.pad_top == b.pad_top);
        CHECK(a.pad_left == b.pad_left);
      }
}

TEST_CASE("f32_dwconv entry points: dispatched kernels on a 112-ish image and odd shapes") {
  Rng rng = tunas::test::make_rng("f32_dwconv entry points");
  const DwconvUkernels& u3 = tunas::kernels::f32_dwconv_select(3, 2);
  // Large enough that backward-weights sums several fixed row bands per image.
  for (Pass pass : {Pass::forward, Pass::backward_data, Pass::backward_weights}) {
    check_against_oracle(pass, u3, oracle_geometry(2, 113, 111, 3, 2), 19, rng);
  }
  for (int k : {3, 5, 7})
    for (int s : {1, 2})
      for (Pass pass : {Pass::forward, Pass::backward_data, Pass::backward_weights}) {
        check_against_oracle(pass, tunas::kernels::f32_dwconv_select(k, s),
                             oracle_geometry(3, 9, 20, k, s), 12, rng);
        // Pixels over 3 KB apart: forward and backward-data walk rows, not tiles
        // (f32-dwconv-simd.h l1_row_band).
        check_against_oracle(pass, tunas::kernels::f32_dwconv_select(k, s),
                             oracle_geometry(1, 7, 9, k, s), 777, rng);
        // Several row bands of several rows each (a tile walks a band, then the next tile).
        check_against_oracle(pass, tunas::kernels::f32_dwconv_select(k, s),
                             oracle_geometry(1, 21, 40, k, s), 12, rng);
      }
}

TEST_CASE("f32_dwconv entry points: results are bitwise independent of the thread count") {
  using namespace tunas::kernels;
  Rng rng = tunas::test::make_rng("f32_dwconv threads");
  for (const auto& [k, s] : {std::pair{5, 1}, std::pair{3, 2}, std::pair{7, 1}}) {
    CAPTURE(k);
    CAPTURE(s);
    const ConvGeometry g = same_conv_geometry(3, 61, 29, k, s);
    const int channels = 41;
    Problem base(rng, g, channels);
    for (Isa isa : allowed_isas())
    for (Pass pass : {Pass::forward, Pass::backward_data, Pass::backward_weights}) {
      CAPTURE(tunas::isa_name(isa));
      Problem one = base, two = base;
      tunas::set_num_threads(1);
      run_pass(pass, f32_dwconv_select(k, s, isa), one);
      tunas::set_num_threads(2);
      run_pass(pass, f32_dwconv_select(k, s, isa), two);
      tunas::set_num_threads(0);
      CHECK(one.src.data == two.src.data);  // vector== on floats; NaN-free data
      CHECK(std::memcmp(one.dst.data.data(), two.dst.data.data(), one.dst.data.size() * 4) == 0);
      CHECK(std::memcmp(one.weight.data.data(), two.weight.data.data(),
                        one.weight.data.size() * 4) == 0);
    }
    // The public entry points use the same dispatched kernels.
    Problem via_entry = base, via_with = base;
    f32_dwconv_backward_weights(g, channels, via_entry.weight.data.data(),
                                via_entry.weight.stride, via_entry.dst.data.data(),
                                via_entry.dst.stride, via_entry.src.data.data(),
                                via_entry.src.stride);
    run_pass(Pass::backward_weights, f32_dwconv_select(k, s), via_with);
    CHECK(via_entry.weight.data == via_with.weight.data);
  }
}

TEST_CASE("f32_dwconv dispatch: table follows the CPU and falls back to scalar") {
  using namespace tunas::kernels;
  const bool avx2 = isa_allowed(Isa::avx2);
  const bool avx512 = isa_allowed(Isa::avx512);
  CHECK(avx512 == tunas::cpu_has(Isa::avx512));
  CHECK(kernel_isa() == (avx512 ? Isa::avx512 : avx2 ? Isa::avx2 : Isa::scalar));
  CHECK(isa_allowed(Isa::scalar));
  // Each vector ISA's table (the default one and the emulated one) names its own kernels.
  auto check_table = [](Isa cap, Isa want_isa, const char* suffix) {
    for (int k : {3, 5, 7})
      for (int s : {1, 2}) {
        const DwconvUkernels& u = f32_dwconv_select(k, s, cap);
        const std::string want = want_isa == Isa::scalar
                                     ? std::string(suffix)
                                     : tunas::str_cat(k, "x", k, "s", s, suffix);
        CAPTURE(u.forward_name);
        CHECK(u.isa == want_isa);
        CHECK(std::string(u.forward_name).find(want) != std::string::npos);
        CHECK(std::string(u.backward_data_name).find(want) != std::string::npos);
        CHECK(std::string(u.backward_weights_name).find(want) != std::string::npos);
      }
  };
  if (avx512) check_table(kernel_isa(), Isa::avx512, "_16c_avx512");
  else if (avx2) check_table(kernel_isa(), Isa::avx2, "_8c_avx2");
  else check_table(kernel_isa(), Isa::scalar, "kxk_1c_scalar");
  if (isa_allowed(Isa::avx512_emulated)) {
    check_table(Isa::avx512_emulated, Isa::avx512_emulated, "_16c_avx512");
    CHECK((f32_dwconv_select(3, 1, Isa::avx512_emulated).forward !=
           f32_dwconv_select(3, 1, Isa::avx512).forward));
  }
  // Outside the table (k = 9, stride 3): the scalar references.
  const DwconvUkernels& scalar = f32_dwconv_scalar_ukernels();
  CHECK((f32_dwconv_select(9, 1).forward == scalar.forward));
  CHECK((f32_dwconv_select(3, 3).backward_weights == scalar.backward_weights));
  CHECK((f32_dwconv_select(0, 1).backward_data == scalar.backward_data));
  // ...and those run correctly.
  Rng rng = tunas::test::make_rng("f32_dwconv scalar fallback");
  for (Pass pass : {Pass::forward, Pass::backward_data, Pass::backward_weights}) {
    check_against_oracle(pass, f32_dwconv_select(9, 3), oracle_geometry(2, 10, 11, 9, 3), 5, rng);
  }
}

// Loss L = sum(dst * R) for random R: dL/dsrc = backward_data(R), dL/dw = backward_weights(R).
// L is linear in each argument, so central differences are exact up to rounding.
TEST_CASE("f32_dwconv gradients match central finite differences (double)") {
  Rng rng = tunas::test::make_rng("f32_dwconv finite differences");
  const double eps = 1e-3;
  for (int k : {3, 5, 7})
    for (int s : {1, 2}) {
      CAPTURE(k);
      CAPTURE(s);
      const ConvGeometry g = oracle_geometry(2, 7, 5, k, s);
      const int C = 3;
      Problem p(rng, g, C);  // float data; the oracle runs on the same values in double
      std::vector<double> src = p.src.prefix(), w = p.weight.prefix(), r = p.dst.prefix();
      auto loss = [&](const std::vector<double>& x, const std::vector<double>& wt) {
        const std::vector<double> y = ref_forward(g, C, x, wt);
        double l = 0;
        for (size_t i = 0; i < y.size(); ++i) l += y[i] * r[i];
        return l;
      };
      std::vector<double> fd_src(src.size()), fd_w(w.size());
      for (size_t i = 0; i < src.size(); ++i) {
        std::vector<double> plus = src, minus = src;
        plus[i] += eps, minus[i] -= eps;
        fd_src[i] = (loss(plus, w) - loss(minus, w)) / (2 * eps);
      }
      for (size_t i = 0; i < w.size(); ++i) {
        std::vector<double> plus = w, minus = w;
        plus[i] += eps, minus[i] -= eps;
        fd_w[i] = (loss(src, plus) - loss(src, minus)) / (2 * eps);
      }
      // Oracle formulas (double).
      std::vector<double> d_src(src.size(), 0.0), d_w(w.size(), 0.0);
      ref_backward_data(g, C, d_src, r, w);
      ref_backward_weights(g, C, d_w, r, src);
      TUNAS_CHECK_CLOSE(d_src.data(), fd_src.data(), d_src.size(), 1e-9, 1e-9);
      TUNAS_CHECK_CLOSE(d_w.data(), fd_w.data(), d_w.size(), 1e-9, 1e-9);
      // The float kernels (dispatched), accumulating into zeroed gradients; p holds the
      // same src, w and R in float.
      Problem bd = p;
      bd.src.fill_prefix(0.f);
      run_pass(Pass::backward_data, tunas::kernels::f32_dwconv_select(k, s), bd);
      Problem bw = p;
      bw.weight.fill_prefix(0.f);
      run_pass(Pass::backward_weights, tunas::kernels::f32_dwconv_select(k, s), bw);
      const std::vector<double> k_src = bd.src.prefix(), k_w = bw.weight.prefix();
      TUNAS_CHECK_CLOSE(k_src.data(), fd_src.data(), k_src.size(), 1e-5, 1e-5);
      TUNAS_CHECK_CLOSE(k_w.data(), fd_w.data(), k_w.size(), 1e-5, 1e-5);
    }
}

// The overwrite form of backward-data (the supernet's fresh gradient buffers): bitwise the
// accumulating form into zeros, on every ISA table, whatever d_src held (NaN here: a read of
// the old prefix would show) and with the channels past the prefix untouched.
TEST_CASE("f32_dwconv_backward_data_overwrite: bitwise the accumulate form into zeros") {
  Rng rng = tunas::test::make_rng("f32_dwconv overwrite");
  const int channels = 21;
  const int64_t stride = 24;  // d_src and d_dst pixel stride: 3 inactive channels
  for (Isa isa : tunas::kernels::allowed_isas()) {
    for (int k : {3, 5, 7}) {
      for (int s : {1, 2}) {
        CAPTURE(tunas::isa_name(isa));
        CAPTURE(k);
        CAPTURE(s);
        const ConvGeometry g = oracle_geometry(3, 30, 29, k, s);  // several clearing bands
        const DwconvUkernels& u = tunas::kernels::f32_dwconv_select(k, s, isa);
        const size_t n_src = size_t(g.batch) * g.in_h * g.in_w * stride;
        const size_t n_dst = size_t(g.batch) * g.out_h * g.out_w * stride;
        const std::vector<float> d_dst = tunas::test::random_vector(rng, n_dst);
        const std::vector<float> w = tunas::test::random_vector(rng, size_t(k) * k * stride);
        const float sentinel = -7.25f;
        std::vector<float> acc(n_src, sentinel), over(n_src, sentinel);
        for (size_t p = 0; p < n_src; p += size_t(stride)) {
          std::fill(acc.begin() + p, acc.begin() + p + channels, 0.f);
          std::fill(over.begin() + p, over.begin() + p + channels, NAN);
        }
        tunas::kernels::f32_dwconv_backward_data_with(u, g, channels, acc.data(), stride,
                                                      d_dst.data(), stride, w.data(), stride);
        tunas::kernels::f32_dwconv_backward_data_overwrite_with(u, g, channels, over.data(),
                                                                stride, d_dst.data(), stride,
                                                                w.data(), stride);
        CHECK(std::memcmp(acc.data(), over.data(), n_src * sizeof(float)) == 0);
      }
    }
  }
}
