#include "policy/reinforce.h"

#include "core/error.h"
#include "policy/categorical.h"

namespace tunas::policy {
namespace {

void check_shapes(std::span<double> grad, const Policy& policy, const ArchitectureSample& sample) {
  TUNAS_CHECK(grad.size() == policy.num_logits(), "gradient has ", grad.size(),
              " entries, policy has ", policy.num_logits(), " logits");
  const std::size_t count = std::size_t(policy.num_decisions());
  TUNAS_CHECK(sample.indices.size() == count && sample.active.size() == count &&
                  sample.replaced.size() == count,
              "sample does not match the policy's ", count, " decisions");
}

}  // namespace

void log_prob_gradient_accumulate(std::span<double> grad, const Policy& policy,
                                  const ArchitectureSample& sample, double scale) {
  check_shapes(grad, policy, sample);
  for (int d = 0; d < policy.num_decisions(); ++d) {
    if (!sample.active[std::size_t(d)] || sample.replaced[std::size_t(d)]) continue;
    const std::size_t n = std::size_t(policy.decision(d).num_choices);
    // d/dz of log softmax(z/T)[s] = (onehot - p)/T
    log_prob_gradient_accumulate(grad.subspan(policy.offset(d), n), policy.tempered_logits(d),
                                 sample.indices[std::size_t(d)], scale / policy.temperature());
  }
}

void entropy_gradient_accumulate(std::span<double> grad, const Policy& policy,
                                 const ArchitectureSample& sample, double scale) {
  check_shapes(grad, policy, sample);
  for (int d = 0; d < policy.num_decisions(); ++d) {
    if (!sample.active[std::size_t(d)]) continue;
    const std::size_t n = std::size_t(policy.decision(d).num_choices);
    entropy_gradient_accumulate(grad.subspan(policy.offset(d), n), policy.tempered_logits(d),
                                scale / policy.temperature());
  }
}

}  // namespace tunas::policy
