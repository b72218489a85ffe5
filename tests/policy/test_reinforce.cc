#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "policy/adam.h"
#include "policy/categorical.h"
#include "policy/controller.h"
#include "policy/reinforce.h"
#include "policy/schedules.h"
#include "tests/policy/policy_test_util.h"
#include "tests/test_util.h"

using namespace tunas::policy;
using tunas::policy::test::make_decision;
using tunas::policy::test::mixed_tree;
using doctest::Approx;
using doctest::Contains;

namespace {

// Independent references, written naively: log p(sample) and H(sample) as functions of a
// flat logit vector, with the sample's activity, replacement and warm-up p held fixed.
double naive_log_softmax(const double* z, int n, int s) {
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += std::exp(z[i]);
  return std::log(std::exp(z[s]) / sum);
}

double naive_entropy(const double* z, int n) {
  double sum = 0.0, h = 0.0;
  for (int i = 0; i < n; ++i) sum += std::exp(z[i]);
  for (int i = 0; i < n; ++i) h -= std::exp(z[i]) / sum * std::log(std::exp(z[i]) / sum);
  return h;
}

double reference_log_prob(const Policy& policy, const ArchitectureSample& s,
                          WarmupProbabilities p, const std::vector<double>& z) {
  double lp = 0.0;
  for (int d = 0; d < policy.num_decisions(); ++d) {
    if (!s.active[std::size_t(d)]) continue;
    const DecisionSpec& spec = policy.decision(d);
    const double pw = spec.tag == DecisionTag::op ? p.ops : spec.tag == DecisionTag::filters ? p.filters : 0.0;
    if (s.replaced[std::size_t(d)]) {
      lp += std::log(pw);
    } else {
      lp += std::log(1.0 - pw) +
            naive_log_softmax(&z[policy.offset(d)], spec.num_choices, s.indices[std::size_t(d)]);
    }
  }
  return lp;
}

double reference_entropy(const Policy& policy, const ArchitectureSample& s, const std::vector<double>& z) {
  double h = 0.0;
  for (int d = 0; d < policy.num_decisions(); ++d) {
    if (s.active[std::size_t(d)]) h += naive_entropy(&z[policy.offset(d)], policy.decision(d).num_choices);
  }
  return h;
}

template <typename F>
std::vector<double> central_differences(std::vector<double> z, F f, double h = 1e-6) {
  std::vector<double> g(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double keep = z[i];
    z[i] = keep + h;
    const double up = f(z);
    z[i] = keep - h;
    const double down = f(z);
    z[i] = keep;
    g[i] = (up - down) / (2.0 * h);
  }
  return g;
}

ArchitectureSample hand_sample(int index) {
  ArchitectureSample s;
  s.indices = {index};
  s.masks = {{index == 0 ? 1.0f : 0.0f, index == 1 ? 1.0f : 0.0f}};
  s.replaced = {0};
  s.active = {1};
  s.node_log_probs = {std::log(0.5)};
  s.log_prob = std::log(0.5);
  s.entropy = std::log(2.0);
  return s;
}

}  // namespace

TEST_CASE("reinforce: gradients of log p(a) and H match finite differences (double)") {
  Policy policy(mixed_tree());
  tunas::Rng rng = tunas::test::make_rng("reinforce: finite differences");
  for (double& z : policy.all_logits()) z = 2.0 * rng.uniform_double() - 1.0;
  const std::vector<double> z0(policy.all_logits().begin(), policy.all_logits().end());
  const WarmupProbabilities p{0.3, 0.4};
  int replaced_active = 0, inactive = 0;
  for (int trial = 0; trial < 40; ++trial) {
    CAPTURE(trial);
    const ArchitectureSample s = sample_architecture(policy, p, rng);
    for (std::size_t d = 0; d < s.active.size(); ++d) {
      replaced_active += s.active[d] && s.replaced[d];
      inactive += !s.active[d];
    }
    // The sample's own bookkeeping agrees with the reference at the sampling point.
    CHECK(s.log_prob == Approx(reference_log_prob(policy, s, p, z0)).epsilon(1e-12));
    CHECK(s.entropy == Approx(reference_entropy(policy, s, z0)).epsilon(1e-12));

    std::vector<double> grad(policy.num_logits(), 0.0);
    log_prob_gradient_accumulate(grad, policy, s, 1.0);
    std::vector<double> fd = central_differences(z0, [&](const std::vector<double>& z) {
      return reference_log_prob(policy, s, p, z);
    });
    TUNAS_CHECK_CLOSE(grad.data(), fd.data(), grad.size(), 1e-8, 1e-6);

    std::fill(grad.begin(), grad.end(), 0.0);
    entropy_gradient_accumulate(grad, policy, s, 1.0);
    fd = central_differences(z0, [&](const std::vector<double>& z) { return reference_entropy(policy, s, z); });
    TUNAS_CHECK_CLOSE(grad.data(), fd.data(), grad.size(), 1e-8, 1e-6);

    // Accumulation with a scale: grad += scale * d.
    std::vector<double> twice(policy.num_logits(), 1.0);
    log_prob_gradient_accumulate(twice, policy, s, -2.0);
    std::vector<double> expected(policy.num_logits());
    std::vector<double> once(policy.num_logits(), 0.0);
    log_prob_gradient_accumulate(once, policy, s, 1.0);
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = 1.0 - 2.0 * once[i];
    TUNAS_CHECK_CLOSE(twice.data(), expected.data(), expected.size(), 1e-15, 1e-15);
  }
  CHECK(replaced_active > 0);  // the trials covered warm-up replacement ...
  CHECK(inactive > 0);         // ... and nodes under unselected choices
}

TEST_CASE("temperature: lp, H and their gradients are those of logits/T (§4.1)") {
  const double T = 2.5;
  Policy policy(mixed_tree(), T);
  tunas::Rng rng = tunas::test::make_rng("reinforce: temperature");
  for (double& z : policy.all_logits()) z = 4.0 * rng.uniform_double() - 2.0;
  const std::vector<double> z0(policy.all_logits().begin(), policy.all_logits().end());
  auto tempered = [&](std::vector<double> z) {
    for (double& x : z) x /= T;
    return z;
  };
  const WarmupProbabilities p{0.2, 0.1};
  for (int trial = 0; trial < 20; ++trial) {
    CAPTURE(trial);
    const ArchitectureSample s = sample_architecture(policy, p, rng);
    CHECK(s.log_prob == Approx(reference_log_prob(policy, s, p, tempered(z0))).epsilon(1e-12));
    CHECK(s.entropy == Approx(reference_entropy(policy, s, tempered(z0))).epsilon(1e-12));
    std::vector<double> grad(policy.num_logits(), 0.0);
    log_prob_gradient_accumulate(grad, policy, s, 1.0);
    std::vector<double> fd = central_differences(z0, [&](const std::vector<double>& z) {
      return reference_log_prob(policy, s, p, tempered(z));
    });
    TUNAS_CHECK_CLOSE(grad.data(), fd.data(), grad.size(), 1e-8, 1e-6);
    std::fill(grad.begin(), grad.end(), 0.0);
    entropy_gradient_accumulate(grad, policy, s, 1.0);
    fd = central_differences(z0, [&](const std::vector<double>& z) { return reference_entropy(policy, s, tempered(z)); });
    TUNAS_CHECK_CLOSE(grad.data(), fd.data(), grad.size(), 1e-8, 1e-6);
  }
  // The logged probabilities are softmax(logits/T); the arg-max is that of the logits.
  const std::vector<double> zt = tempered(z0);
  for (int i = 0; i < 3; ++i)
    CHECK(policy.probabilities(0)[std::size_t(i)] == Approx(std::exp(naive_log_softmax(zt.data(), 3, i))));
  CHECK_THROWS_WITH_AS(Policy(mixed_tree(), 0.0), Contains("temperature must be > 0, got 0"), tunas::Error);
  ControllerConfig bad;
  bad.temperature = -1;
  CHECK_THROWS_WITH_AS(validate_controller_config(bad), Contains("temperature must be > 0, got -1"),
                       tunas::Error);
}

TEST_CASE("categorical: gradients stay exact for peaked logits") {
  const std::vector<double> z = {8.0, -9.0, 0.5, 30.0};
  for (int s = 0; s < 4; ++s) {
    std::vector<double> grad(4, 0.0);
    log_prob_gradient_accumulate(grad, z, s, 1.0);
    const std::vector<double> fd = central_differences(z, [&](const std::vector<double>& x) {
      std::vector<double> ls(4);
      log_softmax(ls, x);
      return ls[std::size_t(s)];
    });
    TUNAS_CHECK_CLOSE(grad.data(), fd.data(), 4, 1e-8, 1e-6);
  }
  std::vector<double> ls(4);
  log_softmax(ls, z);
  // -9 - logsumexp(z), written out: no underflow to -inf.
  CHECK(ls[1] == Approx(-39.0 - std::log1p(std::exp(-22.0) + std::exp(-29.5) + std::exp(-39.0))).epsilon(1e-15));
  CHECK(categorical_entropy(z) >= 0.0);
  CHECK(categorical_entropy(std::vector<double>{0.0, 0.0, 0.0}) == Approx(std::log(3.0)).epsilon(1e-15));
  CHECK(argmax_lowest(std::vector<double>{1.0, 3.0, 3.0}) == 1);
}

TEST_CASE("adam: one TuNAS step by hand, squaring before averaging over K = 2 replicas") {
  // Replica gradients g1 = (1, 3), g2 = (-0.5, 1): they disagree on coordinate 0.
  //   mean g   = (0.25, 2)          mean g^2 = (0.625, 5)
  //   plain synchronous Adam would use (mean g)^2 = (0.0625, 4) instead.
  TunasAdam adam(2, {});
  std::vector<double> theta = {0.5, -1.0};
  const std::vector<double> mean_g = {0.25, 2.0}, mean_g2 = {0.625, 5.0};
  adam.step(theta, mean_g, mean_g2, 0.1);
  // m = mean g; v = 0.001 * mean g^2 = (6.25e-4, 5e-3); lr_t = 0.1 * sqrt(1 - 0.999).
  CHECK(adam.m()[0] == 0.25);
  CHECK(adam.v()[0] == Approx(6.25e-4).epsilon(1e-15));
  CHECK(adam.v()[1] == Approx(5e-3).epsilon(1e-15));
  const double lr_t = 0.1 * std::sqrt(0.001);
  CHECK(theta[0] == Approx(0.5 - lr_t * 0.25 / (0.025 + 1e-8)).epsilon(1e-15));
  CHECK(theta[1] == Approx(-1.0 - lr_t * 2.0 / (std::sqrt(5e-3) + 1e-8)).epsilon(1e-15));
  // Disagreement shrinks the step: with (mean g)^2 the step of coordinate 0 would be 0.1.
  CHECK(0.5 - theta[0] == Approx(0.1 * 0.25 / std::sqrt(0.625)).epsilon(1e-6));
  CHECK(0.5 - theta[0] < 0.05);
  CHECK(adam.beta2_power() == Approx(0.999 * 0.999).epsilon(1e-15));
  CHECK(adam.beta1_power() == 0.0);

  // Delay period: lr = 0 leaves theta alone but advances m, v and the power.
  const std::vector<double> before = theta;
  adam.step(theta, std::vector<double>{1.0, 0.0}, std::vector<double>{4.0, 0.0}, 0.0);
  CHECK(theta == before);
  CHECK(adam.m()[0] == 1.0);
  CHECK(adam.m()[1] == 0.0);  // beta1 = 0: m is just this step's mean
  CHECK(adam.v()[0] == Approx(0.999 * 6.25e-4 + 0.001 * 4.0).epsilon(1e-15));
  CHECK(adam.v()[1] == Approx(0.999 * 5e-3).epsilon(1e-15));
  CHECK(adam.beta2_power() == Approx(std::pow(0.999, 3)).epsilon(1e-15));

  // Third step uses the bias correction sqrt(1 - 0.999^3).
  const double v0 = 0.999 * (0.999 * 6.25e-4 + 0.001 * 4.0) + 0.001 * 1.0;
  adam.step(theta, std::vector<double>{-1.0, 0.0}, std::vector<double>{1.0, 0.0}, 0.2);
  CHECK(theta[0] == Approx(before[0] + 0.2 * std::sqrt(1.0 - std::pow(0.999, 3)) / (std::sqrt(v0) + 1e-8)).epsilon(1e-14));
  CHECK(theta[1] == before[1]);  // m = 0 there

  // beta1 != 0 uses the 1/(1 - beta1^t) correction.
  TunasAdam adam1(1, {0.9, 0.999, 1e-8});
  std::vector<double> x = {0.0};
  adam1.step(x, std::vector<double>{2.0}, std::vector<double>{4.0}, 1.0);
  CHECK(x[0] == Approx(-(std::sqrt(0.001) / 0.1) * 0.2 / (std::sqrt(0.004) + 1e-8)).epsilon(1e-14));
}

TEST_CASE("adam: invalid configurations and states are rejected") {
  using tunas::Error;
  CHECK_THROWS_WITH_AS(TunasAdam(2, {1.0, 0.999, 1e-8}), Contains("beta1 must be in [0, 1)"), Error);
  CHECK_THROWS_WITH_AS(TunasAdam(2, {0.0, 1.0, 1e-8}), Contains("beta2 must be in [0, 1)"), Error);
  CHECK_THROWS_WITH_AS(TunasAdam(2, {0.0, 0.999, 0.0}), Contains("epsilon must be > 0"), Error);
  TunasAdam adam(2, {});
  std::vector<double> theta(2, 0.0), g(2, 0.0);
  CHECK_THROWS_WITH_AS(adam.step(theta, g, g, -1.0), Contains("learning rate must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(adam.set_state(std::vector<double>(3), std::vector<double>(2), 0.0, 0.5),
                       Contains("expected 2 moments"), Error);
  CHECK_THROWS_WITH_AS(adam.set_state(std::vector<double>(2), std::vector<double>{0.0, -1.0}, 0.0, 0.5),
                       Contains("second moments must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(adam.set_state(std::vector<double>(2), std::vector<double>(2), 0.0, 1.0),
                       Contains("beta powers"), Error);
}

TEST_CASE("controller: one REINFORCE update by hand (baseline, advantages, K = 2)") {
  ControllerConfig config;
  config.num_replicas = 2;
  SUBCASE("agreeing replicas") {
    Controller c({make_decision("d", DecisionTag::other, 2)}, config);
    // Rewards 1 and 0: r-bar = 0.5, b = 0.5 (bias corrected), A = (0.5, -0.5).
    // g_0 = -0.5 * ((1,0) - (.5,.5)) = (-.25, .25);  g_1 = 0.5 * ((0,1) - (.5,.5)) = (-.25, .25).
    const std::vector<ArchitectureSample> samples = {hand_sample(0), hand_sample(1)};
    const UpdateStats stats = c.update(samples, std::vector<double>{1.0, 0.0}, 0.1);
    CHECK(stats.step == 0);
    CHECK(stats.mean_reward == 0.5);
    CHECK(stats.baseline == Approx(0.5).epsilon(1e-15));
    CHECK(stats.mean_log_prob == Approx(std::log(0.5)));
    CHECK(stats.mean_entropy == Approx(std::log(2.0)));
    CHECK(c.step() == 1);
    CHECK(c.adam().m()[0] == Approx(-0.25).epsilon(1e-15));
    CHECK(c.adam().m()[1] == Approx(0.25).epsilon(1e-15));
    CHECK(c.adam().v()[0] == Approx(0.001 * 0.0625).epsilon(1e-15));
    const double step = 0.1 * std::sqrt(0.001) * 0.25 / (std::sqrt(0.001 * 0.0625) + 1e-8);
    CHECK(c.policy().logits(0)[0] == Approx(step).epsilon(1e-14));   // towards the rewarded choice 0
    CHECK(c.policy().logits(0)[1] == Approx(-step).epsilon(1e-14));
  }
  SUBCASE("disagreeing replicas cancel in m but not in v") {
    Controller c({make_decision("d", DecisionTag::other, 2)}, config);
    // Both picked choice 0, rewards 1 and 0: A = (0.5, -0.5); g_0 = (-.25, .25) = -g_1.
    const std::vector<ArchitectureSample> samples = {hand_sample(0), hand_sample(0)};
    c.update(samples, std::vector<double>{1.0, 0.0}, 0.1);
    CHECK(c.adam().m()[0] == 0.0);
    CHECK(c.adam().v()[0] == Approx(0.001 * 0.0625).epsilon(1e-15));  // square, then average
    CHECK(c.policy().logits(0)[0] == 0.0);
  }
  SUBCASE("replaced and inactive nodes get no REINFORCE gradient, but moments advance at lr 0") {
    Controller c(test::hierarchical_example(DecisionTag::op), config);
    ArchitectureSample s = c.sample(0, {1.0, 0.0});  // outer replaced -> lp independent of logits
    const ArchitectureSample t = c.sample(1, {0.0, 0.0});
    c.update(std::vector<ArchitectureSample>{s, t}, std::vector<double>{0.3, 0.9}, 0.0);
    for (double z : c.policy().all_logits()) CHECK(z == 0.0);  // lr = 0: delay period
    CHECK(c.adam().beta2_power() == Approx(0.999 * 0.999));
    std::vector<double> expected(c.policy().num_logits(), 0.0);
    log_prob_gradient_accumulate(expected, c.policy(), t, -(0.9 - 0.6) / 2.0);
    log_prob_gradient_accumulate(expected, c.policy(), s, -(0.3 - 0.6) / 2.0);
    TUNAS_CHECK_CLOSE(c.adam().m().data(), expected.data(), expected.size(), 1e-15, 1e-12);
    // The outer node of replica 0 was replaced: only replica 1 moves the outer logits,
    // m_outer = -A_1/2 * (onehot(s_1) - 1/2) with A_1 = 0.3.
    CHECK(s.replaced[2] == 1);
    for (int j = 0; j < 2; ++j) {
      const double onehot = t.indices[2] == j ? 1.0 : 0.0;
      CHECK(c.adam().m()[c.policy().offset(2) + std::size_t(j)] == Approx(-0.15 * (onehot - 0.5)).epsilon(1e-14));
    }
  }
}

TEST_CASE("controller: the entropy term is a plain SGD step after Adam, off the moments") {
  ControllerConfig config;
  config.entropy_weight = 0.1;
  Controller c({make_decision("d", DecisionTag::other, 3)}, config);
  const std::vector<double> z0 = {0.3, -0.2, 0.6};
  std::copy(z0.begin(), z0.end(), c.policy().logits(0).begin());
  ArchitectureSample s = c.sample(0, {});
  // K = 1 and the first step: b = R, so A = 0 and Adam does not move the logits.
  c.update(std::vector<ArchitectureSample>{s}, std::vector<double>{0.7}, 0.5);
  const std::vector<double> dh = central_differences(z0, [](const std::vector<double>& z) {
    return naive_entropy(z.data(), 3);
  });
  for (int i = 0; i < 3; ++i) {
    // logits -= lr * d(-lambda H)/dz  ==  logits += lr * lambda * dH/dz.
    CHECK(c.policy().logits(0)[std::size_t(i)] == Approx(z0[std::size_t(i)] + 0.5 * 0.1 * dh[std::size_t(i)]).epsilon(1e-9));
    CHECK(c.adam().m()[std::size_t(i)] == 0.0);
    CHECK(c.adam().v()[std::size_t(i)] == 0.0);
  }
  CHECK(naive_entropy(c.policy().logits(0).data(), 3) > naive_entropy(z0.data(), 3));
}

TEST_CASE("controller: REINFORCE drives the argmax to the rewarded choice and lowers entropy") {
  // Reward = fraction of multi-choice decisions that picked choice 1; warm-up and delay
  // come from the real schedules (S = 400: warm-up and delay 100 steps, lr x10).
  const std::vector<DecisionSpec> ds = {
      make_decision("a", DecisionTag::op, 3, 2, 1),
      make_decision("b", DecisionTag::filters, 4, 2, 1, 3),
      make_decision("outer", DecisionTag::op, 2),
      make_decision("single", DecisionTag::other, 1),
      make_decision("flat", DecisionTag::other, 5),
  };
  ControllerConfig config;
  config.num_replicas = 4;
  config.seed = 7;
  Controller c(ds, config);
  ScheduleConfig sc;
  sc.total_steps = 400;
  sc.policy_lr = 0.02;
  const SearchSchedules schedules(sc);
  double last_entropy = 0.0;
  for (std::int64_t t = 0; t < sc.total_steps; ++t) {
    std::vector<ArchitectureSample> samples;
    std::vector<double> rewards;
    for (int r = 0; r < config.num_replicas; ++r) {
      samples.push_back(c.sample(r, schedules.warmup(t)));
      double hits = 0.0;
      for (int d : {0, 1, 2, 4}) hits += samples.back().indices[std::size_t(d)] == 1;
      rewards.push_back(hits / 4.0);
    }
    const UpdateStats stats = c.update(samples, rewards, schedules.policy_learning_rate(t));
    last_entropy = stats.mean_entropy;
  }
  CHECK(c.policy().argmax_indices() == std::vector<int>{1, 1, 1, 0, 1});
  for (int d : {0, 1, 2, 4}) CHECK(c.policy().probabilities(d)[1] > 0.9);
  // At zero logits a sample's entropy is at least log 2 + log 5 (outer and flat always count).
  CHECK(last_entropy < 0.2 * (std::log(2.0) + std::log(5.0)));
}

TEST_CASE("controller: invalid configurations and update inputs give clear errors") {
  using tunas::Error;
  ControllerConfig bad;
  bad.num_replicas = 0;
  CHECK_THROWS_WITH_AS(Controller(mixed_tree(), bad), Contains("num_replicas must be >= 1, got 0"), Error);
  bad = {};
  bad.entropy_weight = -1.0;
  CHECK_THROWS_WITH_AS(Controller(mixed_tree(), bad), Contains("entropy weight must be >= 0"), Error);
  bad = {};
  bad.baseline_momentum = 1.0;
  CHECK_THROWS_WITH_AS(Controller(mixed_tree(), bad), Contains("momentum"), Error);
  bad = {};
  bad.adam.beta2 = 1.0;
  CHECK_THROWS_WITH_AS(Controller(mixed_tree(), bad), Contains("beta2"), Error);

  ControllerConfig config;
  config.num_replicas = 2;
  Controller c(mixed_tree(), config);
  std::vector<ArchitectureSample> samples = {c.sample(0, {}), c.sample(1, {})};
  CHECK_THROWS_WITH_AS(c.update(samples, std::vector<double>{1.0}, 0.1),
                       Contains("expected 2 samples and rewards (one per replica), got 2 and 1"), Error);
  CHECK_THROWS_WITH_AS(c.update(std::span(samples).first(1), std::vector<double>{1.0}, 0.1),
                       Contains("got 1 and 1"), Error);
  CHECK_THROWS_WITH_AS(c.update(samples, std::vector<double>{1.0, std::nan("")}, 0.1),
                       Contains("reward of replica 1 is not finite"), Error);
  CHECK_THROWS_WITH_AS(c.update(samples, std::vector<double>{1.0, 0.0}, -0.1),
                       Contains("learning rate must be >= 0"), Error);
  CHECK(c.step() == 0);  // failed updates change nothing
}
