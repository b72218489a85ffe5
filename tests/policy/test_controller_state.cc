#include <doctest/doctest.h>

#include <cstring>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "policy/controller.h"
#include "policy/controller_state.h"
#include "policy/schedules.h"
#include "tests/policy/policy_test_util.h"

using namespace tunas::policy;
using tunas::policy::test::make_decision;
using tunas::policy::test::mixed_tree;
using doctest::Contains;

namespace {

ControllerConfig test_config() {
  ControllerConfig config;
  config.num_replicas = 3;
  config.seed = 1234;
  config.entropy_weight = 0.01;
  return config;
}

// One search step with a deterministic synthetic reward; returns the samples' indices.
std::vector<int> run_step(Controller& c, const SearchSchedules& schedules) {
  const std::int64_t t = c.step();
  std::vector<ArchitectureSample> samples;
  std::vector<double> rewards;
  std::vector<int> drawn;
  for (int r = 0; r < c.num_replicas(); ++r) {
    samples.push_back(c.sample(r, schedules.warmup(t)));
    double reward = 0.0;
    for (std::size_t d = 0; d < samples.back().indices.size(); ++d) {
      reward += 0.1 * double(samples.back().indices[d] * int(d % 3));
      drawn.push_back(samples.back().indices[d]);
    }
    rewards.push_back(reward);
  }
  c.update(samples, rewards, schedules.policy_learning_rate(t));
  return drawn;
}

bool bitwise_equal(const std::vector<double>& a, std::span<const double> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("controller state: save -> load -> continue is bitwise equal to an uninterrupted run") {
  ScheduleConfig sc;
  sc.total_steps = 40;  // warm-up and delay of 10 steps: the split point 15 is mid-learning
  sc.policy_lr = 0.05;
  const SearchSchedules schedules(sc);

  Controller uninterrupted(mixed_tree(), test_config());
  Controller first_half(mixed_tree(), test_config());
  for (int t = 0; t < 15; ++t) {
    run_step(uninterrupted, schedules);
    run_step(first_half, schedules);
  }
  const std::vector<std::uint8_t> bytes = encode_controller_state(first_half.state());

  ControllerConfig other_seed = test_config();
  other_seed.seed = 1;  // the state carries the seed, so the fresh controller's seed is irrelevant
  Controller resumed(mixed_tree(), other_seed);
  resumed.set_state(decode_controller_state(bytes));
  CHECK(resumed.step() == 15);
  for (int t = 15; t < 40; ++t) {
    CHECK(run_step(resumed, schedules) == run_step(uninterrupted, schedules));
  }
  const ControllerState a = uninterrupted.state(), b = resumed.state();
  CHECK(bitwise_equal(a.logits, b.logits));
  CHECK(bitwise_equal(a.adam_m, b.adam_m));
  CHECK(bitwise_equal(a.adam_v, b.adam_v));
  CHECK(std::memcmp(&a.adam_beta2_power, &b.adam_beta2_power, sizeof(double)) == 0);
  CHECK(std::memcmp(&a.baseline_numerator, &b.baseline_numerator, sizeof(double)) == 0);
  CHECK(std::memcmp(&a.baseline_denominator, &b.baseline_denominator, sizeof(double)) == 0);
  CHECK(a.rng_positions == b.rng_positions);
  CHECK(a.step == 40);
  CHECK(b.step == 40);
  // The run actually learned something (otherwise bitwise equality would be trivial).
  bool moved = false;
  for (double z : a.logits) moved = moved || z != 0.0;
  CHECK(moved);
}

TEST_CASE("controller state: encode/decode and stream round trips are exact") {
  Controller c(mixed_tree(), test_config());
  ScheduleConfig sc;
  sc.total_steps = 8;
  sc.policy_lr = 0.1;
  const SearchSchedules schedules(sc);
  for (int t = 0; t < 8; ++t) run_step(c, schedules);
  const ControllerState s = c.state();

  const ControllerState d = decode_controller_state(encode_controller_state(s));
  CHECK(d.num_choices == s.num_choices);
  CHECK(d.step == s.step);
  CHECK(bitwise_equal(d.logits, s.logits));
  CHECK(bitwise_equal(d.adam_m, s.adam_m));
  CHECK(bitwise_equal(d.adam_v, s.adam_v));
  CHECK(d.adam_beta1_power == s.adam_beta1_power);
  CHECK(d.adam_beta2_power == s.adam_beta2_power);
  CHECK(d.baseline_numerator == s.baseline_numerator);
  CHECK(d.baseline_denominator == s.baseline_denominator);
  CHECK(d.seed == s.seed);
  CHECK(d.rng_positions == s.rng_positions);

  // Two states back to back in one stream: each read stops at its own end.
  std::stringstream stream;
  write_controller_state(stream, s);
  write_controller_state(stream, d);
  const ControllerState r1 = read_controller_state(stream);
  const ControllerState r2 = read_controller_state(stream);
  CHECK(encode_controller_state(r1) == encode_controller_state(s));
  CHECK(encode_controller_state(r2) == encode_controller_state(s));
  CHECK(stream.peek() == std::char_traits<char>::eof());
}

TEST_CASE("controller state: the encoding is little-endian and versioned") {
  ControllerState s;
  s.num_choices = {2};
  s.step = 0x0102;
  s.logits = {1.0, -2.0};
  s.adam_m = {0.0, 0.0};
  s.adam_v = {0.0, 0.0};
  s.rng_positions = {5};
  const std::vector<std::uint8_t> bytes = encode_controller_state(s);
  CHECK(std::memcmp(bytes.data(), "TUNASPOL", 8) == 0);
  CHECK(bytes[8] == kControllerStateVersion);  // u32 version, low byte first
  CHECK(bytes[9] == 0);
  CHECK(bytes[12] == 1);                       // u64 decision count
  CHECK(bytes[20] == 2);                       // i32 num_choices[0]
  CHECK(bytes[24] == 0x02);                    // i64 step, low byte first
  CHECK(bytes[25] == 0x01);
  CHECK(bytes[32] == 2);                       // u64 logit count
  CHECK(bytes[40 + 7] == 0x3f);                // 1.0 = 0x3ff0000000000000, high byte last
  CHECK(bytes[40 + 6] == 0xf0);
  CHECK(bytes.size() == 8 + 4 + 8 + 4 + 8 + 8 + 3 * 2 * 8 + 4 * 8 + 8 + 8 + 8);
}

TEST_CASE("controller state: corrupt or mismatched states are rejected") {
  using tunas::Error;
  Controller c(mixed_tree(), test_config());
  const ControllerState s = c.state();
  std::vector<std::uint8_t> bytes = encode_controller_state(s);

  std::vector<std::uint8_t> bad = bytes;
  bad[0] = 'X';
  CHECK_THROWS_WITH_AS(decode_controller_state(bad), Contains("bad magic"), Error);
  bad = bytes;
  bad[8] = 2;
  CHECK_THROWS_WITH_AS(decode_controller_state(bad), Contains("unsupported version 2"), Error);
  bad.assign(bytes.begin(), bytes.end() - 3);
  CHECK_THROWS_WITH_AS(decode_controller_state(bad), Contains("truncated"), Error);
  bad = bytes;
  bad.push_back(0);
  CHECK_THROWS_WITH_AS(decode_controller_state(bad), Contains("1 trailing bytes"), Error);
  bad = bytes;
  std::stringstream truncated(std::string(bytes.begin(), bytes.begin() + 30));
  CHECK_THROWS_WITH_AS(read_controller_state(truncated), Contains("stream ended early"), Error);
  bad = bytes;
  bad[12 + 7] = 0x7f;  // decision count 0x7f00...: rejected before allocating
  CHECK_THROWS_WITH_AS(decode_controller_state(bad), Contains("implausible decision count"), Error);

  ControllerState wrong = s;
  wrong.adam_m.pop_back();
  CHECK_THROWS_WITH_AS(encode_controller_state(wrong), Contains("logits, m and v differ"), Error);

  // Structural mismatches on load name the problem and leave the controller untouched.
  Controller other(mixed_tree(), test_config());
  wrong = s;
  wrong.num_choices[4] = 5;
  wrong.logits[0] = 42.0;
  CHECK_THROWS_WITH_AS(other.set_state(wrong),
                       Contains("decision 4 ('filters') has 5 choices in the state, 4 in the controller"), Error);
  CHECK(other.policy().all_logits()[0] == 0.0);
  wrong = s;
  wrong.num_choices.pop_back();
  CHECK_THROWS_WITH_AS(other.set_state(wrong), Contains("has 7 decisions, controller has 8"), Error);
  wrong = s;
  wrong.rng_positions.push_back(0);
  CHECK_THROWS_WITH_AS(other.set_state(wrong), Contains("has 4 replica RNGs, controller has 3"), Error);
  wrong = s;
  wrong.adam_v[0] = -1.0;
  wrong.logits[0] = 42.0;
  CHECK_THROWS_WITH_AS(other.set_state(wrong), Contains("second moments must be >= 0"), Error);
  CHECK(other.policy().all_logits()[0] == 0.0);
  wrong = s;
  wrong.baseline_denominator = 2.0;
  CHECK_THROWS_WITH_AS(other.set_state(wrong), Contains("baseline state"), Error);
  wrong = s;
  wrong.step = -1;
  CHECK_THROWS_WITH_AS(other.set_state(wrong), Contains("negative step"), Error);
  Controller smaller({make_decision("d", DecisionTag::op, 2)}, test_config());
  CHECK_THROWS_AS(smaller.set_state(s), Error);
}
