// Maths of one categorical distribution parameterised by a logit vector (temperature 1).
//
// Pure functions on caller-owned spans of equal length n >= 1; no allocation, no state,
// safe to call from any thread. Double precision throughout: the controller is tiny and
// its gradients are checked against finite differences.
#pragma once

#include <span>

namespace tunas::policy {

// dst[i] = exp(z_i - max z) / sum_j exp(z_j - max z).
void softmax(std::span<double> dst, std::span<const double> logits);
// dst[i] = z_i - logsumexp(z); exact for very negative probabilities.
void log_softmax(std::span<double> dst, std::span<const double> logits);
// H = -sum_i p_i log p_i (terms with p_i = 0 contribute 0).
double categorical_entropy(std::span<const double> logits);

// Gradient of log softmax(z)[choice] w.r.t. z, ACCUMULATED: grad += scale * (onehot - p).
void log_prob_gradient_accumulate(std::span<double> grad, std::span<const double> logits,
                                  int choice, double scale);
// Gradient of the entropy w.r.t. z, ACCUMULATED: grad[j] += scale * (-p_j (log p_j + H)).
void entropy_gradient_accumulate(std::span<double> grad, std::span<const double> logits,
                                 double scale);

// Index of the largest logit; ties go to the lowest index (§4.6).
int argmax_lowest(std::span<const double> logits);

}  // namespace tunas::policy
