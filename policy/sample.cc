#include "policy/sample.h"

#include <cmath>

#include "core/error.h"
#include "policy/categorical.h"

namespace tunas::policy {
namespace {

// Inverse CDF; the last choice with p > 0 absorbs rounding so we never pick p = 0.
int draw_categorical(std::span<const double> probs, double u) {
  double cumulative = 0.0;
  int last_positive = 0;
  for (std::size_t i = 0; i < probs.size(); ++i) {
    if (probs[i] <= 0.0) continue;
    last_positive = int(i);
    cumulative += probs[i];
    if (u < cumulative) return int(i);
  }
  return last_positive;
}

}  // namespace

ArchitectureSample sample_architecture(const Policy& policy, WarmupProbabilities warmup,
                                       Rng& rng) {
  TUNAS_REQUIRE(warmup.ops >= 0.0 && warmup.ops <= 1.0,
                "op warm-up probability must be in [0, 1], got ", warmup.ops);
  TUNAS_REQUIRE(warmup.filters >= 0.0 && warmup.filters <= 1.0,
                "filter warm-up probability must be in [0, 1], got ", warmup.filters);
  const int count = policy.num_decisions();
  ArchitectureSample sample;
  sample.indices.resize(std::size_t(count));
  sample.masks.resize(std::size_t(count));
  sample.replaced.assign(std::size_t(count), 0);
  sample.node_log_probs.resize(std::size_t(count));
  std::vector<double> log_probs;
  for (int d = 0; d < count; ++d) {
    const DecisionSpec& spec = policy.decision(d);
    const std::size_t n = std::size_t(spec.num_choices);
    log_probs.resize(n);
    log_softmax(log_probs, policy.tempered_logits(d));
    std::vector<double> probs(n);
    for (std::size_t i = 0; i < n; ++i) probs[i] = std::exp(log_probs[i]);

    const int s = draw_categorical(probs, rng.uniform_double());
    const double u = rng.uniform_double();
    const double p = spec.tag == DecisionTag::op        ? warmup.ops
                     : spec.tag == DecisionTag::filters ? warmup.filters
                                                        : 0.0;
    std::vector<float>& mask = sample.masks[std::size_t(d)];
    mask.assign(n, 0.0f);
    sample.indices[std::size_t(d)] = s;
    if (u < p) {
      sample.replaced[std::size_t(d)] = 1;
      sample.node_log_probs[std::size_t(d)] = std::log(p);
      if (spec.tag == DecisionTag::op) {
        mask.assign(n, float(1.0 / double(n)));
      } else {
        mask[std::size_t(spec.largest_choice)] = 1.0f;
      }
    } else {
      mask[std::size_t(s)] = 1.0f;
      sample.node_log_probs[std::size_t(d)] = std::log1p(-p) + log_probs[std::size_t(s)];
    }
  }
  sample.active = active_decisions(policy.decisions(), sample.masks);
  for (int d = 0; d < count; ++d) {
    if (!sample.active[std::size_t(d)]) continue;
    sample.log_prob += sample.node_log_probs[std::size_t(d)];
    sample.entropy += categorical_entropy(policy.tempered_logits(d));
  }
  return sample;
}

std::vector<std::uint8_t> active_decisions(std::span<const DecisionSpec> decisions,
                                           const std::vector<std::vector<float>>& masks) {
  TUNAS_CHECK(masks.size() == decisions.size());
  std::vector<std::uint8_t> active(decisions.size(), 0);
  for (std::size_t i = decisions.size(); i-- > 0;) {
    const DecisionSpec& d = decisions[i];
    if (d.parent_decision < 0) {
      active[i] = 1;
      continue;
    }
    const std::size_t parent = std::size_t(d.parent_decision);
    TUNAS_CHECK(parent > i, "parent must come after the node in post-order");
    active[i] = active[parent] &&
                std::fabs(masks[parent][std::size_t(d.parent_choice)]) > kActiveMaskThreshold;
  }
  return active;
}

}  // namespace tunas::policy
