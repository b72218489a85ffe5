// Sampling one architecture from the policy (§4.2), with warm-up replacement (§3.1, §6.4)
// and hierarchical accounting of log-probability and entropy.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/rng.h"
#include "policy/policy.h"

namespace tunas::policy {

// A choice is active when its mask value exceeds this in magnitude (§4.2).
inline constexpr float kActiveMaskThreshold = 1e-6f;

// Warm-up replacement probabilities of this step (schedules.h: warmup_probability).
struct WarmupProbabilities {
  double ops = 0.0;      // p_ops, for op-tagged nodes
  double filters = 0.0;  // p_filters, for filter-tagged nodes
};

// One sampled architecture; every vector has one entry per decision, in canonical order.
struct ArchitectureSample {
  std::vector<int> indices;               // s ~ Categorical(softmax(logits)), even if replaced
  std::vector<std::vector<float>> masks;  // num_choices floats: onehot(s), 1/n or onehot(largest)
  std::vector<std::uint8_t> replaced;     // 1 when warm-up replaced the mask of this node
  std::vector<std::uint8_t> active;       // 1 when every ancestor choice is active
  std::vector<double> node_log_probs;     // lp of each node (counted only where active)
  double log_prob = 0.0;                  // sum of lp over active nodes
  double entropy = 0.0;                   // sum of categorical entropies over active nodes
};

// Draws one architecture. Per node, in canonical order: one uniform for s (inverse CDF),
// then one uniform u for the warm-up test, so the RNG advances by exactly two doubles per
// node whatever the logits are. Op-tagged node with u < p.ops: mask 1/n, lp = log p.ops;
// filter-tagged with u < p.filters: mask onehot(largest_choice), lp = log p.filters;
// otherwise mask onehot(s) and lp = log(1 - p) + log softmax[s] (p = 0 for "other" tags).
// Throws tunas::Error when a probability is outside [0, 1]. Reads the policy only; callers
// give each replica its own Rng so replicas can sample concurrently.
ArchitectureSample sample_architecture(const Policy& policy, WarmupProbabilities warmup,
                                       Rng& rng);

// Hierarchical activity from masks: node i is active when it has no parent, or its parent
// is active and |mask[parent][parent_choice]| > kActiveMaskThreshold. Walks from the last
// node down, since parents come after children in post-order.
std::vector<std::uint8_t> active_decisions(std::span<const DecisionSpec> decisions,
                                           const std::vector<std::vector<float>>& masks);

}  // namespace tunas::policy
