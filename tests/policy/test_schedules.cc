#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "core/error.h"
#include "policy/schedules.h"

using namespace tunas::policy;
using doctest::Approx;
using doctest::Contains;

TEST_CASE("schedules: model learning rate reproduces the spec §6.3 examples") {
  const double pi = std::numbers::pi;
  // peak 2, W = 5, S = 100.
  CHECK(model_learning_rate(2.0, 5, 100, 0) == 0.0);
  CHECK(model_learning_rate(2.0, 5, 100, 2) == Approx(0.8).epsilon(1e-15));
  CHECK(model_learning_rate(2.0, 5, 100, 5) == Approx(2.0).epsilon(1e-15));
  CHECK(model_learning_rate(2.0, 5, 100, 10) == Approx(1.0 + std::cos(5.0 * pi / 95.0)).epsilon(1e-14));
  CHECK(std::fabs(model_learning_rate(2.0, 5, 100, 100)) < 1e-15);
  CHECK(std::fabs(model_learning_rate(2.0, 5, 100, 250)) < 1e-15);  // clamped past the end
  // W = 0, S = 50.
  CHECK(model_learning_rate(2.0, 0, 50, 0) == Approx(2.0).epsilon(1e-15));
  CHECK(model_learning_rate(2.0, 0, 50, 10) == Approx(1.0 + std::cos(pi / 5.0)).epsilon(1e-14));
  CHECK(std::fabs(model_learning_rate(2.0, 0, 50, 50)) < 1e-15);
  CHECK(std::fabs(model_learning_rate(2.0, 0, 50, 77)) < 1e-15);
}

TEST_CASE("schedules: warm-up probability (§6.4, §9.8)") {
  const std::int64_t w = 100;
  CHECK(warmup_probability(w, 0) == 1.0);
  CHECK(warmup_probability(w, w / 2) == 0.5);
  CHECK(warmup_probability(w, w) == 0.0);
  CHECK(warmup_probability(w, 2 * w) == 0.0);
  CHECK(warmup_probability(w, -3) == 1.0);  // max(t, 0)
  CHECK(warmup_probability(4, 1) == 0.75);
  CHECK(warmup_probability(0, 0) == 0.0);   // W = 0: no warm-up at all
  CHECK(warmup_probability(0, 10) == 0.0);
}

TEST_CASE("schedules: policy learning rate is delayed then exponential or constant") {
  // D = 25, S = 100: rises from lr0 at t = D to 10*lr0 at t = S.
  CHECK(policy_learning_rate(0.5, 25, 100, true, 0) == 0.0);
  CHECK(policy_learning_rate(0.5, 25, 100, true, 24) == 0.0);
  CHECK(policy_learning_rate(0.5, 25, 100, true, 25) == Approx(0.5).epsilon(1e-15));
  CHECK(policy_learning_rate(0.5, 25, 100, true, 50) == Approx(0.5 * std::cbrt(10.0)).epsilon(1e-14));
  CHECK(policy_learning_rate(0.5, 25, 100, true, 100) == Approx(5.0).epsilon(1e-14));
  CHECK(policy_learning_rate(0.5, 25, 100, false, 24) == 0.0);
  CHECK(policy_learning_rate(0.5, 25, 100, false, 25) == 0.5);
  CHECK(policy_learning_rate(0.5, 25, 100, false, 100) == 0.5);
  // D = S: the max(1, S - D) guard keeps the exponent finite.
  CHECK(policy_learning_rate(0.5, 10, 10, true, 10) == 0.5);
  CHECK(policy_learning_rate(0.5, 10, 10, true, 11) == Approx(5.0).epsilon(1e-14));
  // No delay.
  CHECK(policy_learning_rate(0.5, 0, 10, true, 0) == 0.5);
}

TEST_CASE("schedules: the default 90-epoch search resolves to the §6.5 step counts") {
  CHECK(fraction_of_steps(0.025, 27050) == 676);
  CHECK(fraction_of_steps(0.25, 27050) == 6762);
  CHECK(fraction_of_steps(0.0, 27050) == 0);
  CHECK(fraction_of_steps(1.0, 27050) == 27050);

  ScheduleConfig config;
  config.total_steps = 27050;
  const SearchSchedules s(config);
  CHECK(s.model_warmup_steps() == 676);
  CHECK(s.policy_delay_steps() == 6762);
  CHECK(s.op_warmup_steps() == 6762);
  CHECK(s.filter_warmup_steps() == 6762);
  CHECK(s.model_learning_rate(0) == 0.0);
  CHECK(s.model_learning_rate(676) == Approx(2.64).epsilon(1e-14));
  CHECK(s.model_learning_rate(27050) == Approx(0.0));
  CHECK(s.policy_learning_rate(6761) == 0.0);
  CHECK(s.policy_learning_rate(6762) == Approx(4.8e-3).epsilon(1e-14));
  CHECK(s.policy_learning_rate(27050) == Approx(4.8e-2).epsilon(1e-13));
  CHECK(s.warmup(0).ops == 1.0);
  CHECK(s.warmup(0).filters == 1.0);
  CHECK(s.warmup(3381).ops == 0.5);
  CHECK(s.warmup(6762).filters == 0.0);
  // While the controller learns (t >= D), warm-up is over.
  CHECK(s.warmup(s.policy_delay_steps()).ops == 0.0);
}

TEST_CASE("schedules: invalid parameters are rejected with clear errors") {
  using tunas::Error;
  CHECK_THROWS_WITH_AS(model_learning_rate(2.0, 100, 100, 0), Contains("warm-up steps < total"), Error);
  CHECK_THROWS_WITH_AS(model_learning_rate(2.0, -1, 100, 0), Contains("warm-up steps < total"), Error);
  CHECK_THROWS_WITH_AS(model_learning_rate(-2.0, 5, 100, 0), Contains("peak must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(model_learning_rate(2.0, 5, 100, -1), Contains("step must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(warmup_probability(-1, 0), Contains("warm-up steps must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(policy_learning_rate(-1.0, 5, 10, true, 6), Contains("base rate"), Error);
  CHECK_THROWS_WITH_AS(policy_learning_rate(1.0, 11, 10, true, 6), Contains("delay steps <= total"), Error);
  CHECK_THROWS_WITH_AS(policy_learning_rate(1.0, 5, 0, true, 6), Contains("total steps must be > 0"), Error);
  CHECK_THROWS_WITH_AS(policy_learning_rate(1.0, 5, 10, true, -6), Contains("step must be >= 0"), Error);
  CHECK_THROWS_WITH_AS(fraction_of_steps(1.5, 10), Contains("fraction must be in [0, 1]"), Error);
  CHECK_THROWS_WITH_AS(fraction_of_steps(0.5, -10), Contains("total steps must be >= 0"), Error);

  CHECK_NOTHROW(validate_warmup_within_delay(10, 10, 10));
  CHECK_THROWS_WITH_AS(validate_warmup_within_delay(11, 10, 10),
                       Contains("op warm-up (11 steps) is longer than the controller delay (10"), Error);
  CHECK_THROWS_WITH_AS(validate_warmup_within_delay(5, 12, 10),
                       Contains("filter warm-up (12 steps) is longer"), Error);

  ScheduleConfig config;
  config.total_steps = 1000;
  config.op_warmup_fraction = 0.3;  // longer than the 0.25 delay
  CHECK_THROWS_WITH_AS(SearchSchedules{config}, Contains("op warm-up (300 steps)"), Error);
  config.op_warmup_fraction = 0.25;
  config.filter_warmup_fraction = 0.26;
  CHECK_THROWS_WITH_AS(SearchSchedules{config}, Contains("filter warm-up (260 steps)"), Error);
  config.filter_warmup_fraction = 0.25;
  config.total_steps = 0;
  CHECK_THROWS_AS(SearchSchedules{config}, Error);
  config.total_steps = 1000;
  config.model_warmup_fraction = 1.0;  // warm-up covering the whole run
  CHECK_THROWS_WITH_AS(SearchSchedules{config}, Contains("warm-up steps < total"), Error);
  config.model_warmup_fraction = 0.025;
  config.policy_lr = -1.0;
  CHECK_THROWS_WITH_AS(SearchSchedules{config}, Contains("base rate"), Error);
  config.policy_lr = 1e-3;
  const SearchSchedules ok(config);
  CHECK_THROWS_WITH_AS((void)ok.warmup(-1), Contains("step must be >= 0"), Error);
}
