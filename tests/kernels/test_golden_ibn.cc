// Golden test: one inverted bottleneck composed from our kernels against PyTorch.
//
// tests/golden/make_golden_ibn.py (dev-only, Debian's python3-torch) wrote inputs, weights,
// the output and every gradient of: 1x1 expand 8->24, BN, ReLU, depthwise 5x5 s2 SAME, BN,
// ReLU, SE (GAP, 1x1 24->8 + bias, ReLU, 1x1 8->24 + bias, sigmoid, multiply), 1x1 project
// 24->16, BN; loss = sum(dst * d_dst). Here every activation lives in a buffer WIDER than its
// channel count (as in the supernet, where it is a prefix of the widest choice), so the test
// also covers the strided channel-prefix paths end to end.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/conv_geometry.h"
#include "kernels/f32-activation/activation.h"
#include "kernels/f32-bn/bn.h"
#include "kernels/f32-conv1x1/conv1x1.h"
#include "kernels/f32-dwconv/dwconv.h"
#include "kernels/f32-pool/pool.h"
#include "kernels/f32-se/se.h"
#include "tests/test_util.h"

namespace k = tunas::kernels;

namespace {

struct GoldenTensor {
  std::vector<int> shape;
  std::vector<float> values;
};

std::map<std::string, GoldenTensor> read_golden(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::map<std::string, GoldenTensor> out;
  std::string header, values;
  while (std::getline(in, header)) {
    if (header.empty() || header[0] == '#') continue;
    std::istringstream hs(header);
    std::string name;
    int rank = 0;
    hs >> name >> rank;
    GoldenTensor t;
    t.shape.resize(std::size_t(rank));
    for (int& d : t.shape) hs >> d;
    REQUIRE(std::getline(in, values));
    std::istringstream vs(values);
    double v;
    while (vs >> v) t.values.push_back(float(v));
    out[name] = std::move(t);
  }
  return out;
}

// A [rows][channels] buffer embedded in rows of `stride` floats, padding set to a sentinel.
struct Strided {
  std::vector<float> data;
  std::int64_t rows = 0, stride = 0;
  int channels = 0;
  Strided(std::int64_t r, int c, std::int64_t s, float fill = 0.f)
      : data(std::size_t(r * s), 1e30f), rows(r), stride(s), channels(c) {
    for (std::int64_t i = 0; i < r; ++i)
      for (int j = 0; j < c; ++j) data[std::size_t(i * s + j)] = fill;
  }
  float* ptr() { return data.data(); }
  std::vector<float> dense() const {
    std::vector<float> d(std::size_t(rows * channels));
    for (std::int64_t i = 0; i < rows; ++i)
      for (int j = 0; j < channels; ++j) d[std::size_t(i * channels + j)] = data[std::size_t(i * stride + j)];
    return d;
  }
  bool padding_untouched(float expected) const {
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = channels; j < stride; ++j)
        if (data[std::size_t(i * stride + j)] != expected) return false;
    return true;
  }
};

Strided embed(const std::vector<float>& dense, std::int64_t rows, int channels, std::int64_t stride) {
  Strided s(rows, channels, stride);
  for (std::int64_t i = 0; i < rows; ++i)
    for (int j = 0; j < channels; ++j) s.data[std::size_t(i * stride + j)] = dense[std::size_t(i * channels + j)];
  return s;
}

void check_close(const std::vector<float>& actual, const GoldenTensor& expected, const char* what) {
  INFO(what);
  REQUIRE(actual.size() == expected.values.size());
  TUNAS_CHECK_CLOSE(actual.data(), expected.values.data(), actual.size(), 2e-4, 2e-3);
}

}  // namespace

TEST_CASE("golden: inverted bottleneck forward and backward match PyTorch") {
  auto g = read_golden(std::string(TUNAS_SOURCE_DIR) + "/tests/golden/ibn_golden.txt");
  const auto& xs = g.at("src").shape;  // N H W C
  const int N = xs[0], H = xs[1], W = xs[2], C_IN = xs[3];
  const int E = g.at("expand_w").shape[1], C_OUT = g.at("project_w").shape[1];
  const int K = g.at("dw_w").shape[0], HID = g.at("se_a_w").shape[1];
  const k::ConvGeometry geo = k::same_conv_geometry(N, H, W, K, 2);
  const std::int64_t P_IN = std::int64_t(N) * H * W, P_OUT = std::int64_t(N) * geo.out_h * geo.out_w;
  // Wider-than-needed strides everywhere (activations and weights).
  const int SX = C_IN + 3, SE_ = E + 5, SO = C_OUT + 7, SH = HID + 2;

  Strided x = embed(g.at("src").values, P_IN, C_IN, SX);
  Strided we = embed(g.at("expand_w").values, C_IN, E, SE_);
  Strided wd = embed(g.at("dw_w").values, K * K, E, SE_);
  Strided wa = embed(g.at("se_a_w").values, E, HID, SH);
  Strided wb = embed(g.at("se_b_w").values, HID, E, SE_);
  Strided wp = embed(g.at("project_w").values, E, C_OUT, SO);
  const auto& ba = g.at("se_a_b").values;
  const auto& bb = g.at("se_b_b").values;
  const auto& g1 = g.at("expand_gamma").values;
  const auto& b1 = g.at("expand_beta").values;
  const auto& g2 = g.at("dw_gamma").values;
  const auto& b2 = g.at("dw_beta").values;
  const auto& g3 = g.at("project_gamma").values;
  const auto& b3 = g.at("project_beta").values;

  // ---- forward ----
  Strided e(P_IN, E, SE_), h1(P_IN, E, SE_), d(P_OUT, E, SE_), h2(P_OUT, E, SE_), h3(P_OUT, E, SE_);
  Strided pooled(N, E, SE_), a(N, HID, SH), ar(N, HID, SH), b(N, E, SE_), gate(N, E, SE_);
  Strided p(P_OUT, C_OUT, SO), dst(P_OUT, C_OUT, SO);
  std::vector<float> m1(E), s1(E), m2(E), s2(E), m3(C_OUT), s3(C_OUT);
  k::f32_conv1x1_forward(P_IN, C_IN, E, e.ptr(), SE_, x.ptr(), SX, we.ptr(), SE_);
  k::f32_bn_forward_training(P_IN, E, h1.ptr(), SE_, m1.data(), s1.data(), nullptr, e.ptr(), SE_,
                             g1.data(), b1.data(), k::Activation::relu, k::kBnEpsilon);
  k::f32_dwconv_forward(geo, E, d.ptr(), SE_, h1.ptr(), SE_, wd.ptr(), SE_);
  k::f32_bn_forward_training(P_OUT, E, h2.ptr(), SE_, m2.data(), s2.data(), nullptr, d.ptr(), SE_,
                             g2.data(), b2.data(), k::Activation::relu, k::kBnEpsilon);
  const std::int64_t pix = std::int64_t(geo.out_h) * geo.out_w;
  k::f32_global_avg_pool_forward(N, pix, E, pooled.ptr(), SE_, h2.ptr(), SE_);
  k::f32_conv1x1_bias_forward(N, E, HID, a.ptr(), SH, pooled.ptr(), SE_, wa.ptr(), SH, ba.data());
  k::f32_activation_forward(k::Activation::relu, N, HID, ar.ptr(), SH, a.ptr(), SH);
  k::f32_conv1x1_bias_forward(N, HID, E, b.ptr(), SE_, ar.ptr(), SH, wb.ptr(), SE_, bb.data());
  k::f32_activation_forward(k::Activation::sigmoid, N, E, gate.ptr(), SE_, b.ptr(), SE_);
  k::f32_se_gate_forward(N, pix, E, h3.ptr(), SE_, h2.ptr(), SE_, gate.ptr(), SE_);
  k::f32_conv1x1_forward(P_OUT, E, C_OUT, p.ptr(), SO, h3.ptr(), SE_, wp.ptr(), SO);
  k::f32_bn_forward_training(P_OUT, C_OUT, dst.ptr(), SO, m3.data(), s3.data(), nullptr, p.ptr(), SO,
                             g3.data(), b3.data(), k::Activation::none, k::kBnEpsilon);
  check_close(dst.dense(), g.at("dst"), "dst");
  CHECK(dst.padding_untouched(1e30f));
  CHECK(h3.padding_untouched(1e30f));

  // ---- backward (gradients accumulate into zeroed buffers) ----
  Strided d_dst = embed(g.at("d_dst").values, P_OUT, C_OUT, SO);
  Strided d_p(P_OUT, C_OUT, SO), d_h3(P_OUT, E, SE_), d_h2(P_OUT, E, SE_), d_d(P_OUT, E, SE_);
  Strided d_gate(N, E, SE_), d_b(N, E, SE_), d_ar(N, HID, SH), d_a(N, HID, SH), d_pooled(N, E, SE_);
  Strided d_h1(P_IN, E, SE_), d_e(P_IN, E, SE_), d_x(P_IN, C_IN, SX);
  Strided d_we(C_IN, E, SE_), d_wd(K * K, E, SE_), d_wa(E, HID, SH), d_wb(HID, E, SE_), d_wp(E, C_OUT, SO);
  std::vector<float> d_ba(HID), d_bb(E), dg1(E), db1(E), dg2(E), db2(E), dg3(C_OUT), db3(C_OUT);

  k::f32_bn_backward_training(P_OUT, C_OUT, d_p.ptr(), SO, dg3.data(), db3.data(), d_dst.ptr(), SO,
                              m3.data(), s3.data(), p.ptr(), SO, g3.data(), b3.data(), k::Activation::none);
  k::f32_conv1x1_backward_data(P_OUT, E, C_OUT, d_h3.ptr(), SE_, d_p.ptr(), SO, wp.ptr(), SO);
  k::f32_conv1x1_backward_weights(P_OUT, E, C_OUT, d_wp.ptr(), SO, d_p.ptr(), SO, h3.ptr(), SE_);
  k::f32_se_gate_backward_data(N, pix, E, d_h2.ptr(), SE_, d_h3.ptr(), SE_, gate.ptr(), SE_);
  k::f32_se_gate_backward_gate(N, pix, E, d_gate.ptr(), SE_, d_h3.ptr(), SE_, h2.ptr(), SE_);
  k::f32_activation_backward(k::Activation::sigmoid, N, E, d_b.ptr(), SE_, d_gate.ptr(), SE_, b.ptr(), SE_);
  k::f32_conv1x1_backward_data(N, HID, E, d_ar.ptr(), SH, d_b.ptr(), SE_, wb.ptr(), SE_);
  k::f32_conv1x1_backward_weights(N, HID, E, d_wb.ptr(), SE_, d_b.ptr(), SE_, ar.ptr(), SH);
  k::f32_conv1x1_backward_bias(N, E, d_bb.data(), d_b.ptr(), SE_);
  k::f32_activation_backward(k::Activation::relu, N, HID, d_a.ptr(), SH, d_ar.ptr(), SH, a.ptr(), SH);
  k::f32_conv1x1_backward_data(N, E, HID, d_pooled.ptr(), SE_, d_a.ptr(), SH, wa.ptr(), SH);
  k::f32_conv1x1_backward_weights(N, E, HID, d_wa.ptr(), SH, d_a.ptr(), SH, pooled.ptr(), SE_);
  k::f32_conv1x1_backward_bias(N, HID, d_ba.data(), d_a.ptr(), SH);
  k::f32_global_avg_pool_backward(N, pix, E, d_h2.ptr(), SE_, d_pooled.ptr(), SE_);
  k::f32_bn_backward_training(P_OUT, E, d_d.ptr(), SE_, dg2.data(), db2.data(), d_h2.ptr(), SE_,
                              m2.data(), s2.data(), d.ptr(), SE_, g2.data(), b2.data(), k::Activation::relu);
  k::f32_dwconv_backward_data(geo, E, d_h1.ptr(), SE_, d_d.ptr(), SE_, wd.ptr(), SE_);
  k::f32_dwconv_backward_weights(geo, E, d_wd.ptr(), SE_, d_d.ptr(), SE_, h1.ptr(), SE_);
  k::f32_bn_backward_training(P_IN, E, d_e.ptr(), SE_, dg1.data(), db1.data(), d_h1.ptr(), SE_,
                              m1.data(), s1.data(), e.ptr(), SE_, g1.data(), b1.data(), k::Activation::relu);
  k::f32_conv1x1_backward_data(P_IN, C_IN, E, d_x.ptr(), SX, d_e.ptr(), SE_, we.ptr(), SE_);
  k::f32_conv1x1_backward_weights(P_IN, C_IN, E, d_we.ptr(), SE_, d_e.ptr(), SE_, x.ptr(), SX);

  check_close(d_x.dense(), g.at("grad_src"), "grad_src");
  check_close(d_we.dense(), g.at("grad_expand_w"), "grad_expand_w");
  check_close(dg1, g.at("grad_expand_gamma"), "grad_expand_gamma");
  check_close(db1, g.at("grad_expand_beta"), "grad_expand_beta");
  check_close(d_wd.dense(), g.at("grad_dw_w"), "grad_dw_w");
  check_close(dg2, g.at("grad_dw_gamma"), "grad_dw_gamma");
  check_close(db2, g.at("grad_dw_beta"), "grad_dw_beta");
  check_close(d_wa.dense(), g.at("grad_se_a_w"), "grad_se_a_w");
  check_close(d_ba, g.at("grad_se_a_b"), "grad_se_a_b");
  check_close(d_wb.dense(), g.at("grad_se_b_w"), "grad_se_b_w");
  check_close(d_bb, g.at("grad_se_b_b"), "grad_se_b_b");
  check_close(d_wp.dense(), g.at("grad_project_w"), "grad_project_w");
  check_close(dg3, g.at("grad_project_gamma"), "grad_project_gamma");
  check_close(db3, g.at("grad_project_beta"), "grad_project_beta");
  CHECK(d_x.padding_untouched(1e30f));
  CHECK(d_wd.padding_untouched(1e30f));
}
