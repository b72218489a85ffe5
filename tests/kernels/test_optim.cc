// Tests for kernels/optim: TF-1 RMSProp and SGD-momentum steps by hand, masked L2 decay.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/cpu.h"
#include "kernels/config.h"
#include "kernels/optim/optim.h"
#include "tests/kernels/ops_test_helpers.h"

using namespace tunas::kernels;
using namespace tunas::test::ops;

namespace {

// One optim.inc entry against a double-precision oracle of its update and bitwise against the
// scalar kernel (every ISA performs the same float operations), over a length with a tail and
// an offset start.
void check_update_ukernel(tunas::Isa isa, const char* update, const char* name,
                          f32_rmsprop_ukernel_fn* rmsprop, f32_sgd_momentum_ukernel_fn* sgd) {
  if (!isa_allowed(isa)) {
    const std::string why = std::string("skipped: ") + name + " needs " +
                            tunas::isa_name(isa) + " (CPU or TUNAS_MAX_ISA)";
    MESSAGE(why);
    return;
  }
  auto rng = tunas::test::make_rng(name);
  const std::int64_t n = 1003;
  const std::vector<float> g = tunas::test::random_vector(rng, n);
  const std::vector<float> w0 = tunas::test::random_vector(rng, n);
  const std::vector<float> ms0 = tunas::test::random_vector(rng, n, 0.5f, 2.f);
  const std::vector<float> mom0 = tunas::test::random_vector(rng, n);
  std::vector<float> w = w0, ms = ms0, mom = mom0, w_ref = w0, ms_ref = ms0, mom_ref = mom0;
  const float lr = 0.05f, decay = 0.9f, momentum = 0.9f, eps = 1.f;
  const std::int64_t first = 3;  // an unaligned start
  if (rmsprop) {
    rmsprop(n - first, w.data() + first, ms.data() + first, mom.data() + first, g.data() + first,
            lr, decay, momentum, eps);
    f32_rmsprop_ukernel_scalar(n - first, w_ref.data() + first, ms_ref.data() + first,
                               mom_ref.data() + first, g.data() + first, lr, decay, momentum, eps);
  } else {
    sgd(n - first, w.data() + first, mom.data() + first, g.data() + first, lr, momentum);
    f32_sgd_momentum_ukernel_scalar(n - first, w_ref.data() + first, mom_ref.data() + first,
                                    g.data() + first, lr, momentum);
  }
  CAPTURE(update);
  for (std::int64_t i = 0; i < n; ++i) {
    double e_ms = ms0[i], e_mom = mom0[i], e_w = w0[i];
    if (i >= first && rmsprop) {
      e_ms = 0.9 * ms0[i] + 0.1 * double(g[i]) * g[i];
      e_mom = 0.9 * mom0[i] + 0.05 * g[i] / std::sqrt(e_ms + 1.0);
      e_w = w0[i] - e_mom;
    } else if (i >= first) {
      e_mom = 0.9 * mom0[i] + g[i];
      e_w = w0[i] - 0.05 * e_mom;
    }
    CHECK(ms[i] == doctest::Approx(e_ms).epsilon(1e-5));
    CHECK(mom[i] == doctest::Approx(e_mom).epsilon(1e-4).scale(1));
    CHECK(w[i] == doctest::Approx(e_w).epsilon(1e-4).scale(1));
  }
  CHECK(std::memcmp(w.data(), w_ref.data(), n * sizeof(float)) == 0);
  CHECK(std::memcmp(ms.data(), ms_ref.data(), n * sizeof(float)) == 0);
  CHECK(std::memcmp(mom.data(), mom_ref.data(), n * sizeof(float)) == 0);
}

f32_rmsprop_ukernel_fn* only_rmsprop(f32_rmsprop_ukernel_fn* fn) { return fn; }
f32_rmsprop_ukernel_fn* only_rmsprop(f32_sgd_momentum_ukernel_fn*) { return nullptr; }
f32_sgd_momentum_ukernel_fn* only_sgd(f32_sgd_momentum_ukernel_fn* fn) { return fn; }
f32_sgd_momentum_ukernel_fn* only_sgd(f32_rmsprop_ukernel_fn*) { return nullptr; }

}  // namespace

// One TEST_CASE per optim.inc entry, named after the kernel (STYLE.md G4).
#define TUNAS_OPTIM_UKERNEL(isa, update, fn)                                              \
  TEST_CASE(#fn) {                                                                        \
    check_update_ukernel(tunas::Isa::isa, #update, #fn, only_rmsprop(fn), only_sgd(fn)); \
  }
#include "kernels/optim/optim.inc"
#undef TUNAS_OPTIM_UKERNEL

// The avx512 entries again, as their SIMDe copies (kernels/config.h, avx512_emulated).
#define TUNAS_OPTIM_EMULATED_scalar(update, fn)
#define TUNAS_OPTIM_EMULATED_avx2(update, fn)
#define TUNAS_OPTIM_EMULATED_avx512(update, fn)                                      \
  TEST_CASE(#fn " (avx512-emulated)") {                                              \
    auto* emulated = reinterpret_cast<decltype(&fn)>(find_emulated_ukernel(#fn));    \
    check_update_ukernel(tunas::Isa::avx512_emulated, #update, #fn,                  \
                         only_rmsprop(emulated), only_sgd(emulated));                \
  }
#define TUNAS_OPTIM_UKERNEL(isa, update, fn) TUNAS_OPTIM_EMULATED_##isa(update, fn)
#include "kernels/optim/optim.inc"
#undef TUNAS_OPTIM_UKERNEL

TEST_CASE("optim entry points: every ISA table gives the scalar result bitwise") {
  auto rng = tunas::test::make_rng("optim isa tables");
  const std::int64_t n = 70001;
  const std::vector<float> g = tunas::test::random_vector(rng, n);
  const std::vector<float> w0 = tunas::test::random_vector(rng, n);
  std::vector<float> ref;
  for (tunas::Isa isa : allowed_isas()) {
    CAPTURE(tunas::isa_name(isa));
    std::vector<float> w = w0, ms(n, 1.f), mom(n, 0.f), w2 = w0, mom2(n, 0.f);
    f32_rmsprop_update(isa, n, w.data(), ms.data(), mom.data(), g.data(), 0.05f, 0.9f, 0.9f, 1.f);
    f32_sgd_momentum_update(isa, n, w2.data(), mom2.data(), g.data(), 0.1f, 0.9f);
    w.insert(w.end(), ms.begin(), ms.end());
    w.insert(w.end(), w2.begin(), w2.end());
    if (ref.empty()) ref = w;
    CHECK(std::memcmp(w.data(), ref.data(), w.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("f32_rmsprop_update: first steps computed by hand (ms starts at 1, eps inside sqrt)") {
  // lr 0.1, decay 0.9, momentum 0.9, eps 1; gradients 0.5, 0.5, then 0 (the weight keeps moving).
  float w = 1.f, ms = kRmsPropInitialMeanSquare, mom = 0.f;
  const double expected[3][3] = {{0.925, 0.03603749850782236, 0.9639625014921777},
                                 {0.8575, 0.06912019056939278, 0.8948423109227849},
                                 {0.77175, 0.0622081715124535, 0.8326341394103314}};
  const float grads[3] = {0.5f, 0.5f, 0.f};
  for (int step = 0; step < 3; ++step) {
    CAPTURE(step);
    f32_rmsprop_update(1, &w, &ms, &mom, &grads[step], 0.1f, kRmsPropDecay, kRmsPropMomentum, kRmsPropEpsilon);
    CHECK(ms == doctest::Approx(expected[step][0]).epsilon(1e-6));
    CHECK(mom == doctest::Approx(expected[step][1]).epsilon(1e-6));
    CHECK(w == doctest::Approx(expected[step][2]).epsilon(1e-6));
  }
}

TEST_CASE("f32_rmsprop_update and f32_sgd_momentum_update: every element, threads bitwise") {
  auto rng = tunas::test::make_rng("optim elementwise");
  const std::int64_t n = 100003;
  const std::vector<float> g = tunas::test::random_vector(rng, n);
  const std::vector<float> w0 = tunas::test::random_vector(rng, n);
  // Reference loop in double for a few elements, then thread invariance for all.
  std::vector<float> w = w0, ms(n, 1.f), mom(n, 0.f);
  f32_rmsprop_update(n, w.data(), ms.data(), mom.data(), g.data(), 0.05f, 0.9f, 0.9f, 1.f);
  for (std::int64_t i : {std::int64_t(0), std::int64_t(1), std::int64_t(5000), n - 1}) {
    const double ems = 0.9 + 0.1 * double(g[i]) * g[i];
    const double emom = 0.05 * g[i] / std::sqrt(ems + 1.0);
    CHECK(ms[i] == doctest::Approx(ems).epsilon(1e-6));
    CHECK(w[i] == doctest::Approx(w0[i] - emom).epsilon(1e-5));
  }
  check_threads_bitwise([&] {
    std::vector<float> w1 = w0, ms1(n, 1.f), mom1(n, 0.f), w2 = w0, mom2(n, 0.f);
    f32_rmsprop_update(n, w1.data(), ms1.data(), mom1.data(), g.data(), 0.05f, 0.9f, 0.9f, 1.f);
    f32_sgd_momentum_update(n, w2.data(), mom2.data(), g.data(), 0.1f, 0.9f);
    w1.insert(w1.end(), w2.begin(), w2.end());
    return w1;
  });
}

TEST_CASE("f32_sgd_momentum_update: steps by hand (TF ApplyMomentum)") {
  float w = 1.f, mom = 0.f;
  const float g = 0.5f;
  f32_sgd_momentum_update(1, &w, &mom, &g, 0.1f, 0.9f);
  CHECK(mom == doctest::Approx(0.5));
  CHECK(w == doctest::Approx(0.95));
  f32_sgd_momentum_update(1, &w, &mom, &g, 0.1f, 0.9f);
  CHECK(mom == doctest::Approx(0.95));
  CHECK(w == doctest::Approx(0.855));
}

TEST_CASE("f32_l2_decay: active slice of an HWIO kernel only, scaled by the mask value (spec 9.11)") {
  auto rng = tunas::test::make_rng("f32_l2_decay");
  const int k = 3, max_in = 4, max_out = 5, a_in = 2, a_out = 3;
  const std::vector<float> w = tunas::test::random_vector(rng, k * k * max_in * max_out);
  std::vector<float> dw = tunas::test::random_vector(rng, w.size());
  const std::vector<float> dw0 = dw;
  const std::int64_t extents[4] = {k, k, a_in, a_out};
  const std::int64_t strides[4] = {k * max_in * max_out, max_in * max_out, max_out, 1};
  const float wd = 4e-5f, scale = 0.5f;
  const double penalty = f32_l2_decay(4, extents, strides, dw.data(), w.data(), wd, scale);
  double sum_sq = 0;
  for (int t = 0; t < k * k; ++t)
    for (int i = 0; i < max_in; ++i)
      for (int o = 0; o < max_out; ++o) {
        const std::size_t idx = (std::size_t(t) * max_in + i) * max_out + o;
        const bool active = i < a_in && o < a_out;
        if (active) sum_sq += double(w[idx]) * w[idx];
        CAPTURE(idx);
        if (active) {
          CHECK(dw[idx] == doctest::Approx(dw0[idx] + double(scale) * wd * w[idx]).epsilon(1e-6));
        } else {
          CHECK(dw[idx] == dw0[idx]);
        }
      }
  CHECK(penalty == doctest::Approx(double(scale) * wd / 2 * sum_sq).epsilon(1e-9));
  // Loss only (null gradient), and rank 1 (a depthwise/bias-like vector prefix).
  CHECK(f32_l2_decay(4, extents, strides, nullptr, w.data(), wd, scale) == penalty);
  const std::int64_t e1 = 3, s1 = 1;
  const std::vector<float> v = {1.f, 2.f, 3.f, 100.f};
  CHECK(f32_l2_decay(1, &e1, &s1, nullptr, v.data(), 0.1f, 1.f) == doctest::Approx(0.05 * 14.0));
}
