#include "policy/policy.h"

#include <utility>

#include <cmath>

#include "core/error.h"
#include "policy/categorical.h"

namespace tunas::policy {

Policy::Policy(std::vector<DecisionSpec> decisions, double temperature)
    : temperature_(temperature), decisions_(std::move(decisions)) {
  TUNAS_REQUIRE(std::isfinite(temperature) && temperature > 0.0,
                "policy: temperature must be > 0, got ", temperature);
  validate_decisions(decisions_);
  offsets_.reserve(decisions_.size());
  std::size_t total = 0;
  for (const DecisionSpec& d : decisions_) {
    offsets_.push_back(total);
    total += std::size_t(d.num_choices);
  }
  logits_.assign(total, 0.0);
}

std::span<const double> Policy::logits(int d) const {
  return std::span<const double>(logits_).subspan(offset(d), std::size_t(decision(d).num_choices));
}

std::span<double> Policy::logits(int d) {
  return std::span<double>(logits_).subspan(offset(d), std::size_t(decision(d).num_choices));
}

std::vector<double> Policy::tempered_logits(int d) const {
  std::vector<double> z(logits(d).begin(), logits(d).end());
  for (double& x : z) x /= temperature_;
  return z;
}

std::vector<double> Policy::probabilities(int d) const {
  std::vector<double> p(std::size_t(decision(d).num_choices));
  softmax(p, tempered_logits(d));
  return p;
}

std::vector<int> Policy::argmax_indices() const {
  std::vector<int> indices(decisions_.size());
  for (int d = 0; d < num_decisions(); ++d) indices[std::size_t(d)] = argmax_lowest(logits(d));
  return indices;
}

}  // namespace tunas::policy
