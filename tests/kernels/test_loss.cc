// Tests for kernels/f32-loss: label-smoothed softmax cross-entropy and top-1 accuracy.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "kernels/f32-loss/loss.h"
#include "tests/kernels/ops_test_helpers.h"

using namespace tunas::kernels;
using namespace tunas::test::ops;

namespace {
// -sum_j t_j log softmax_j, written directly (no log-sum-exp rewrite), mean over rows.
double ref_loss(int batch, int classes, const std::vector<double>& x, const std::vector<std::int32_t>& labels,
                double s) {
  double total = 0;
  for (int n = 0; n < batch; ++n) {
    double z = 0;
    for (int j = 0; j < classes; ++j) z += std::exp(x[n * classes + j]);
    for (int j = 0; j < classes; ++j) {
      const double t = (j == labels[n] ? 1.0 - s : 0.0) + s / classes;
      total -= t * std::log(std::exp(x[n * classes + j]) / z);
    }
  }
  return total / batch;
}
}  // namespace

TEST_CASE("f32_softmax_cross_entropy: hand-computed label-smoothing value") {
  // logits {1, 2, 3}, label 0, s = 0.3: target {0.8, 0.1, 0.1};
  // loss = log(e + e^2 + e^3) - (0.8*1 + 0.1*2 + 0.1*3) = 2.10760596444438
  const std::vector<float> logits = {1.f, 2.f, 3.f};
  const std::int32_t label = 0;
  std::vector<float> d(3);
  const double loss = f32_softmax_cross_entropy(1, 3, d.data(), 3, logits.data(), 3, &label, 0.3f);
  CHECK(loss == doctest::Approx(2.10760596444438).epsilon(1e-7));
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  CHECK(d[0] == doctest::Approx(std::exp(1.0) / z - 0.8).epsilon(1e-6));
  CHECK(d[1] == doctest::Approx(std::exp(2.0) / z - 0.1).epsilon(1e-6));
  CHECK(d[2] == doctest::Approx(std::exp(3.0) / z - 0.1).epsilon(1e-6));
}

TEST_CASE("f32_softmax_cross_entropy: vs direct formula and finite differences, strides") {
  auto rng = tunas::test::make_rng("f32_softmax_cross_entropy");
  for (int classes : {1, 7, 17, 1001}) {
    for (float s : {0.f, 0.1f}) {
      CAPTURE(classes);
      CAPTURE(s);
      const int batch = 5;
      const std::int64_t stride = classes + 3;
      const std::vector<float> x = prefix_buffer(rng, batch, classes, stride, -4.f, 4.f);
      std::vector<std::int32_t> labels(batch);
      for (auto& l : labels) l = std::int32_t(rng.uniform_int(classes));
      std::vector<float> d = prefix_buffer(rng, batch, classes, stride);
      const double loss = f32_softmax_cross_entropy(batch, classes, d.data(), stride, x.data(), stride, labels.data(), s);
      const auto xd = prefix_to_double(x, batch, classes, stride);
      CHECK(loss == doctest::Approx(ref_loss(batch, classes, xd, labels, s)).epsilon(1e-9));
      CHECK(outside_prefix_untouched(d, classes, stride));
      std::vector<double> expected(xd.size());
      if (classes <= 17) {
        expected = fd_gradient(xd, [&](const std::vector<double>& v) { return ref_loss(batch, classes, v, labels, s); });
      } else {
        for (int n = 0; n < batch; ++n) {
          double z = 0;
          for (int j = 0; j < classes; ++j) z += std::exp(xd[n * classes + j]);
          for (int j = 0; j < classes; ++j)
            expected[n * classes + j] =
                (std::exp(xd[n * classes + j]) / z - ((j == labels[n] ? 1.0 - s : 0.0) + s / classes)) / batch;
        }
      }
      CHECK(prefix_close(d, expected, batch, classes, stride, 1e-7, 1e-5));
      // The loss alone (null gradient) is the same value.
      CHECK(f32_softmax_cross_entropy(batch, classes, nullptr, 0, x.data(), stride, labels.data(), s) == loss);
    }
  }
}

TEST_CASE("f32_softmax_cross_entropy: stable for huge logits") {
  const std::vector<float> logits = {1000.f, 1001.f, -1000.f, 0.f};
  const std::int32_t label = 1;
  std::vector<float> d(4);
  const double loss = f32_softmax_cross_entropy(1, 4, d.data(), 4, logits.data(), 4, &label, 0.f);
  CHECK(std::isfinite(loss));
  CHECK(loss == doctest::Approx(std::log(1.0 + std::exp(-1.0))).epsilon(1e-7));
  for (float v : d) CHECK(std::isfinite(v));
}

TEST_CASE("f32_top1_correct: arg-max with ties to the lowest index, strided rows") {
  // rows: {1, 3, 3} -> argmax 1 ; {5, 0, 5} -> 0 ; {-1, -2, -0.5} -> 2
  const std::vector<float> logits = {1, 3, 3, 99, 5, 0, 5, 99, -1, -2, -0.5f, 99};
  CHECK(f32_top1_correct(3, 3, logits.data(), 4, std::vector<std::int32_t>{1, 0, 2}.data()) == 3);
  CHECK(f32_top1_correct(3, 3, logits.data(), 4, std::vector<std::int32_t>{2, 2, 2}.data()) == 1);
  CHECK(f32_top1_correct(3, 3, logits.data(), 4, std::vector<std::int32_t>{0, 1, 0}.data()) == 0);
}
