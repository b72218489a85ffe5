#include "kernels/f32-loss/loss.h"

#include <cmath>

#include "core/error.h"

namespace tunas::kernels {

double f32_softmax_cross_entropy(int batch, int classes, float* d_logits,
                                 std::int64_t d_logits_stride, const float* logits,
                                 std::int64_t logits_stride, const std::int32_t* labels,
                                 float label_smoothing) {
  TUNAS_DASSERT(batch >= 1 && classes >= 1);
  const double s = label_smoothing;
  const double off = s / classes;  // target of every non-label class
  const double on = 1.0 - s + off;  // target of the label class
  const double inv_batch = 1.0 / batch;
  double total = 0.0;
  for (int n = 0; n < batch; ++n) {
    const float* x = logits + n * logits_stride;
    const int label = labels[n];
    TUNAS_DASSERT(label >= 0 && label < classes);
    double x_max = x[0];
    for (int j = 1; j < classes; ++j) x_max = x[j] > x_max ? x[j] : x_max;
    double sum_exp = 0.0, sum_x = 0.0;
    for (int j = 0; j < classes; ++j) {
      sum_exp += std::exp(double(x[j]) - x_max);
      sum_x += x[j];
    }
    const double lse = x_max + std::log(sum_exp);
    total += lse - (1.0 - s) * double(x[label]) - off * sum_x;
    if (d_logits) {
      float* dx = d_logits + n * d_logits_stride;
      const double inv_sum = 1.0 / sum_exp;
      for (int j = 0; j < classes; ++j) {
        const double p = std::exp(double(x[j]) - x_max) * inv_sum;
        dx[j] = float((p - (j == label ? on : off)) * inv_batch);
      }
    }
  }
  return total * inv_batch;
}

std::int64_t f32_top1_correct(int batch, int classes, const float* logits,
                              std::int64_t logits_stride, const std::int32_t* labels) {
  std::int64_t correct = 0;
  for (int n = 0; n < batch; ++n) {
    const float* x = logits + n * logits_stride;
    int best = 0;
    for (int j = 1; j < classes; ++j) {
      if (x[j] > x[best]) best = j;  // strict: the first maximum wins ties
    }
    correct += best == labels[n];
  }
  return correct;
}

}  // namespace tunas::kernels
