// Gradients of one sample's log-probability and entropy w.r.t. the flat logit vector
// (§4.5). Building blocks of the REINFORCE loss -A*lp - lambda*H; controller.h combines them.
#pragma once

#include <span>

#include "policy/policy.h"
#include "policy/sample.h"

namespace tunas::policy {

// grad += scale * d(sample.log_prob)/d(logits). Only active nodes count (hierarchical
// accounting); a node replaced by warm-up has lp = log p, which does not depend on the
// logits, so it contributes nothing. For an active sampled node d with choice s:
// grad[d] += scale * (onehot(s) - softmax(logits[d])). REINFORCE uses scale = -advantage.
// grad has policy.num_logits() entries in the policy's flat layout.
void log_prob_gradient_accumulate(std::span<double> grad, const Policy& policy,
                                  const ArchitectureSample& sample, double scale);

// grad += scale * d(sample.entropy)/d(logits): the categorical entropy gradient of every
// active node, replaced or not (the entropy never depends on the warm-up draw).
void entropy_gradient_accumulate(std::span<double> grad, const Policy& policy,
                                 const ArchitectureSample& sample, double scale);

}  // namespace tunas::policy
