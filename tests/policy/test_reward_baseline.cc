#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "policy/baseline.h"
#include "policy/reward.h"

using namespace tunas::policy;
using doctest::Approx;
using doctest::Contains;

TEST_CASE("reward: the spec §4.3 example (acc 0.8, c 1, T 0.5, beta -0.07)") {
  RewardConfig config;
  config.cost_exponent = -0.07;
  config.cost_target = 0.5;

  config.kind = RewardKind::abs;
  Reward r = compute_reward(config, 0.8, 1.0);
  CHECK(r.value == Approx(0.73).epsilon(1e-15));
  CHECK(r.cost_adjustment == Approx(-0.07).epsilon(1e-15));

  config.kind = RewardKind::mnas;
  r = compute_reward(config, 0.8, 1.0);
  CHECK(r.value == Approx(0.8 * std::pow(2.0, -0.07)).epsilon(1e-15));
  CHECK(r.cost_adjustment == Approx(std::pow(2.0, -0.07)).epsilon(1e-15));

  config.kind = RewardKind::mnas_hard;
  r = compute_reward(config, 0.8, 1.0);
  CHECK(r.value == Approx(0.8 * std::pow(2.0, -0.07)).epsilon(1e-15));  // 2^-0.07 < 1
  // Under the target the soft reward grows above acc, the hard one is capped at acc.
  config.kind = RewardKind::mnas;
  CHECK(compute_reward(config, 0.8, 0.25).value == Approx(0.8 * std::pow(0.5, -0.07)));
  CHECK(compute_reward(config, 0.8, 0.25).value > 0.8);
  config.kind = RewardKind::mnas_hard;
  r = compute_reward(config, 0.8, 0.25);
  CHECK(r.value == 0.8);
  CHECK(r.cost_adjustment == 1.0);

  config.kind = RewardKind::unconstrained;
  r = compute_reward(config, 0.8, 1.0);
  CHECK(r.value == 0.8);
  CHECK(r.cost_adjustment == 0.0);
}

TEST_CASE("reward: abs penalises both sides of the target; defaults are abs and -0.10") {
  const RewardConfig config;  // abs, beta -0.10, T 84 ms
  CHECK(config.kind == RewardKind::abs);
  CHECK(config.cost_exponent == -0.10);
  CHECK(compute_reward(config, 0.7, 84.0).value == 0.7);
  CHECK(compute_reward(config, 0.7, 42.0).value == Approx(0.7 - 0.05).epsilon(1e-15));
  CHECK(compute_reward(config, 0.7, 126.0).value == Approx(0.7 - 0.05).epsilon(1e-15));
}

TEST_CASE("reward: names parse, and bad names or inputs give clear errors") {
  CHECK(parse_reward_kind("abs") == RewardKind::abs);
  CHECK(parse_reward_kind("mnas") == RewardKind::mnas);
  CHECK(parse_reward_kind("mnas_hard") == RewardKind::mnas_hard);
  CHECK(parse_reward_kind("unconstrained") == RewardKind::unconstrained);
  for (RewardKind k : {RewardKind::abs, RewardKind::mnas, RewardKind::mnas_hard, RewardKind::unconstrained}) {
    CHECK(parse_reward_kind(reward_kind_name(k)) == k);
  }
  CHECK_THROWS_WITH_AS(parse_reward_kind("ABS"),
                       "unknown reward 'ABS'; valid rewards: abs, mnas, mnas_hard, unconstrained",
                       tunas::Error);
  CHECK_THROWS_AS(parse_reward_kind(""), tunas::Error);

  RewardConfig config;
  config.cost_target = 0.0;
  CHECK_THROWS_WITH_AS(compute_reward(config, 0.5, 1.0), Contains("cost target must be a positive"), tunas::Error);
  config.cost_target = 84.0;
  config.cost_exponent = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(compute_reward(config, 0.5, 1.0), Contains("cost exponent must be finite"), tunas::Error);
  config.cost_exponent = -0.1;
  CHECK_THROWS_WITH_AS(compute_reward(config, 0.5, std::nan("")), Contains("cost must be finite"), tunas::Error);
  config.kind = RewardKind::mnas;
  CHECK_THROWS_WITH_AS(compute_reward(config, 0.5, 0.0), Contains("reward 'mnas': cost must be > 0"), tunas::Error);
  config.kind = RewardKind::mnas_hard;
  CHECK_THROWS_WITH_AS(compute_reward(config, 0.5, -1.0), Contains("reward 'mnas_hard'"), tunas::Error);
  // Unconstrained ignores the cost entirely.
  config.kind = RewardKind::unconstrained;
  CHECK(compute_reward(config, 0.5, std::nan("")).value == 0.5);
}

TEST_CASE("baseline: bias-corrected EMA, the spec §4.4 example") {
  Baseline b(0.9);
  CHECK(b.value() == 0.0);  // nothing seen yet
  CHECK(b.update(1.0) == Approx(1.0).epsilon(1e-15));
  CHECK(b.update(2.0) == Approx(0.29 / 0.19).epsilon(1e-14));
  CHECK(b.value() == Approx(1.526315789473684).epsilon(1e-12));
  CHECK(b.numerator() == Approx(0.29).epsilon(1e-14));
  CHECK(b.denominator() == Approx(0.19).epsilon(1e-14));

  const Baseline defaults;
  CHECK(defaults.momentum() == 0.95);

  // A constant reward is its own baseline from the very first step (bias correction).
  Baseline c;
  for (int i = 0; i < 5; ++i) CHECK(c.update(0.42) == Approx(0.42).epsilon(1e-14));
}

TEST_CASE("baseline: invalid momentum and state are rejected") {
  CHECK_THROWS_WITH_AS(Baseline(1.0), Contains("momentum must be in [0, 1)"), tunas::Error);
  CHECK_THROWS_AS(Baseline(-0.1), tunas::Error);
  Baseline b;
  CHECK_THROWS_WITH_AS(b.set_state(0.1, 1.5), Contains("denominator"), tunas::Error);
  CHECK_THROWS_AS(b.set_state(std::nan(""), 0.5), tunas::Error);
  b.set_state(0.29, 0.19);
  CHECK(b.value() == Approx(0.29 / 0.19));
}
