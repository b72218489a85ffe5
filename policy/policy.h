// The multinomial policy of TuNAS (§4.1): one independent categorical distribution per
// decision node, logits starting at 0, no sharing between nodes. Sampling uses logits/T
// (temperature T, 1 by default), so the gradients w.r.t. the logits scale by 1/T.
//
// Logits of all nodes live in ONE flat vector (decision d owns [offset(d), offset(d) +
// num_choices(d))); the optimizer treats it as a single parameter vector. Not internally
// synchronised: concurrent reads are safe, writes need exclusive access.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "policy/decision_spec.h"

namespace tunas::policy {

class Policy {
 public:
  // Validates the decisions (validate_decisions) and sets every logit to 0. Throws
  // tunas::Error unless temperature is finite and > 0.
  explicit Policy(std::vector<DecisionSpec> decisions, double temperature = 1.0);
  double temperature() const { return temperature_; }

  int num_decisions() const { return int(decisions_.size()); }
  const std::vector<DecisionSpec>& decisions() const { return decisions_; }
  const DecisionSpec& decision(int d) const { return decisions_[std::size_t(d)]; }
  // Total number of logits, sum of num_choices.
  std::size_t num_logits() const { return logits_.size(); }
  // Start of decision d's block in every flat per-logit vector (logits, gradients, masks).
  std::size_t offset(int d) const { return offsets_[std::size_t(d)]; }
  const std::vector<std::size_t>& offsets() const { return offsets_; }

  std::span<const double> logits(int d) const;
  std::span<double> logits(int d);
  std::span<const double> all_logits() const { return logits_; }
  std::span<double> all_logits() { return logits_; }

  // logits(d)/T: what the categorical of decision d is sampled from (equal to logits(d) at T = 1).
  std::vector<double> tempered_logits(int d) const;
  // softmax(logits(d)/T), for logs and analysis.
  std::vector<double> probabilities(int d) const;
  // The final architecture (§4.6): per node, in canonical order, the arg-max of the logits
  // with ties to the lowest index. Nodes under an unselected choice still get a value.
  std::vector<int> argmax_indices() const;

 private:
  double temperature_;
  std::vector<DecisionSpec> decisions_;
  std::vector<std::size_t> offsets_;
  std::vector<double> logits_;
};

}  // namespace tunas::policy
