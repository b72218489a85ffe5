#include "policy/categorical.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "core/error.h"

namespace tunas::policy {
namespace {

double max_of(std::span<const double> z) { return *std::max_element(z.begin(), z.end()); }

double log_sum_exp(std::span<const double> z) {
  const double top = max_of(z);
  double sum = 0.0;
  for (double x : z) sum += std::exp(x - top);
  return top + std::log(sum);
}

}  // namespace

void softmax(std::span<double> dst, std::span<const double> logits) {
  TUNAS_CHECK(!logits.empty() && dst.size() == logits.size());
  const double top = max_of(logits);
  double sum = 0.0;
  for (std::size_t i = 0; i < logits.size(); ++i) sum += dst[i] = std::exp(logits[i] - top);
  for (double& p : dst) p /= sum;
}

void log_softmax(std::span<double> dst, std::span<const double> logits) {
  TUNAS_CHECK(!logits.empty() && dst.size() == logits.size());
  const double lse = log_sum_exp(logits);
  for (std::size_t i = 0; i < logits.size(); ++i) dst[i] = logits[i] - lse;
}

double categorical_entropy(std::span<const double> logits) {
  TUNAS_CHECK(!logits.empty());
  const double lse = log_sum_exp(logits);
  double h = 0.0;
  for (double z : logits) {
    const double log_p = z - lse;
    const double p = std::exp(log_p);
    if (p > 0.0) h -= p * log_p;
  }
  return h;
}

void log_prob_gradient_accumulate(std::span<double> grad, std::span<const double> logits,
                                  int choice, double scale) {
  TUNAS_CHECK(grad.size() == logits.size() && choice >= 0 && std::size_t(choice) < logits.size());
  const double lse = log_sum_exp(logits);
  for (std::size_t j = 0; j < logits.size(); ++j) {
    const double onehot = int(j) == choice ? 1.0 : 0.0;
    grad[j] += scale * (onehot - std::exp(logits[j] - lse));
  }
}

void entropy_gradient_accumulate(std::span<double> grad, std::span<const double> logits,
                                 double scale) {
  TUNAS_CHECK(grad.size() == logits.size());
  const double lse = log_sum_exp(logits);
  const double h = categorical_entropy(logits);
  for (std::size_t j = 0; j < logits.size(); ++j) {
    const double log_p = logits[j] - lse;
    grad[j] += scale * (-std::exp(log_p) * (log_p + h));
  }
}

int argmax_lowest(std::span<const double> logits) {
  TUNAS_CHECK(!logits.empty());
  int best = 0;
  for (std::size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[best]) best = int(i);  // strict: ties keep the lowest index
  }
  return best;
}

}  // namespace tunas::policy
