#include <doctest/doctest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "core/error.h"
#include "policy/controller.h"
#include "policy/sample.h"
#include "tests/policy/policy_test_util.h"
#include "tests/test_util.h"

using namespace tunas::policy;
using tunas::policy::test::hierarchical_example;
using tunas::policy::test::make_decision;
using tunas::policy::test::mixed_tree;
using doctest::Approx;
using doctest::Contains;

namespace {

// Independent reference for activity when no warm-up replaced anything: a node is active
// when every ancestor's SAMPLED index equals the choice that contains it.
std::vector<int> active_from_indices(const std::vector<DecisionSpec>& ds, const std::vector<int>& idx) {
  std::vector<int> active(ds.size());
  for (std::size_t i = 0; i < ds.size(); ++i) {
    bool on = true;
    for (int child = int(i), parent = ds[i].parent_decision; parent >= 0;
         child = parent, parent = ds[std::size_t(parent)].parent_decision) {
      on = on && idx[std::size_t(parent)] == ds[std::size_t(child)].parent_choice;
    }
    active[i] = on;
  }
  return active;
}

}  // namespace

TEST_CASE("sampling: hierarchical example choice{choice{a,b,c}, choice{d,e,f,g}} (§4.2)") {
  const Policy policy(hierarchical_example());
  tunas::Rng rng = tunas::test::make_rng("sampling: hierarchical example");
  int first = 0, second = 0;
  for (int i = 0; i < 200; ++i) {
    const ArchitectureSample s = sample_architecture(policy, {}, rng);
    if (s.indices[2] == 0) {
      ++first;
      CHECK(s.active == std::vector<std::uint8_t>{1, 0, 1});
      CHECK(s.log_prob == Approx(std::log(0.5) + std::log(1.0 / 3.0)).epsilon(1e-14));
      CHECK(s.entropy == Approx(std::log(2.0) + std::log(3.0)).epsilon(1e-14));
    } else {
      ++second;
      CHECK(s.active == std::vector<std::uint8_t>{0, 1, 1});
      CHECK(s.log_prob == Approx(std::log(0.5) + std::log(0.25)).epsilon(1e-14));
      CHECK(s.entropy == Approx(std::log(2.0) + std::log(4.0)).epsilon(1e-14));
    }
    // Nodes under the unpicked branch still get an index and a one-hot mask.
    for (int d = 0; d < 3; ++d) {
      CHECK(s.masks[std::size_t(d)].size() == std::size_t(policy.decision(d).num_choices));
      for (int c = 0; c < policy.decision(d).num_choices; ++c) {
        CHECK(s.masks[std::size_t(d)][std::size_t(c)] == (c == s.indices[std::size_t(d)] ? 1.0f : 0.0f));
      }
    }
  }
  CHECK(first > 50);
  CHECK(second > 50);
}

TEST_CASE("sampling: zero logits, no warm-up: H = sum log n, lp = -sum log n over active (§9.9)") {
  const std::vector<DecisionSpec> ds = mixed_tree();
  const Policy policy(ds);
  tunas::Rng rng = tunas::test::make_rng("sampling: zero logits");
  for (int i = 0; i < 300; ++i) {
    const ArchitectureSample s = sample_architecture(policy, {}, rng);
    const std::vector<int> active = active_from_indices(ds, s.indices);
    double sum_log_n = 0.0;
    for (std::size_t d = 0; d < ds.size(); ++d) {
      CHECK(int(s.active[d]) == active[d]);
      CHECK(s.replaced[d] == 0);
      if (active[d]) sum_log_n += std::log(double(ds[d].num_choices));
    }
    CHECK(s.entropy == Approx(sum_log_n).epsilon(1e-13));
    CHECK(s.log_prob == Approx(-sum_log_n).epsilon(1e-13));
  }
}

TEST_CASE("sampling: empirical choice frequencies follow softmax(logits)") {
  Policy policy({make_decision("d", DecisionTag::other, 3)});
  const double logits[3] = {0.0, std::log(2.0), std::log(3.0)};  // p = 1/6, 2/6, 3/6
  std::copy(logits, logits + 3, policy.logits(0).begin());
  tunas::Rng rng = tunas::test::make_rng("sampling: frequencies");
  const int draws = 30000;
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < draws; ++i) {
    const ArchitectureSample s = sample_architecture(policy, {}, rng);
    ++counts[s.indices[0]];
    CHECK(s.log_prob == Approx(std::log((s.indices[0] + 1) / 6.0)).epsilon(1e-13));
  }
  for (int c = 0; c < 3; ++c) CHECK(counts[c] / double(draws) == Approx((c + 1) / 6.0).epsilon(0.05));
  // A choice with probability 0 (logit -inf after underflow) is never drawn.
  policy.logits(0)[0] = -1e4;
  for (int i = 0; i < 2000; ++i) CHECK(sample_architecture(policy, {}, rng).indices[0] != 0);
}

TEST_CASE("sampling: warm-up replacement frequencies, masks and log-probabilities (§3.1, §4.2)") {
  const std::vector<DecisionSpec> ds = {
      make_decision("op", DecisionTag::op, 4),
      make_decision("filters", DecisionTag::filters, 3, -1, -1, /*largest=*/1),
      make_decision("other", DecisionTag::other, 2),
  };
  Policy policy(ds);
  const double z_op[4] = {0.3, -0.2, 0.9, 0.0};
  std::copy(z_op, z_op + 4, policy.logits(0).begin());
  policy.logits(1)[2] = 0.7;
  const WarmupProbabilities p{0.3, 0.7};
  tunas::Rng rng = tunas::test::make_rng("sampling: warm-up");
  const int draws = 20000;
  int replaced[3] = {0, 0, 0};
  for (int i = 0; i < draws; ++i) {
    const ArchitectureSample s = sample_architecture(policy, p, rng);
    for (int d = 0; d < 3; ++d) {
      replaced[d] += s.replaced[std::size_t(d)];
      CHECK(s.active[std::size_t(d)] == 1);
    }
    const std::vector<double> probs0 = policy.probabilities(0), probs1 = policy.probabilities(1);
    if (s.replaced[0]) {
      CHECK(s.masks[0] == std::vector<float>(4, 0.25f));
      CHECK(s.node_log_probs[0] == Approx(std::log(0.3)).epsilon(1e-14));
    } else {
      CHECK(s.masks[0][std::size_t(s.indices[0])] == 1.0f);
      CHECK(s.node_log_probs[0] ==
            Approx(std::log(0.7) + std::log(probs0[std::size_t(s.indices[0])])).epsilon(1e-13));
    }
    if (s.replaced[1]) {
      CHECK(s.masks[1] == std::vector<float>{0.0f, 1.0f, 0.0f});
      CHECK(s.node_log_probs[1] == Approx(std::log(0.7)).epsilon(1e-14));
    } else {
      CHECK(s.masks[1][std::size_t(s.indices[1])] == 1.0f);
      CHECK(s.node_log_probs[1] ==
            Approx(std::log(0.3) + std::log(probs1[std::size_t(s.indices[1])])).epsilon(1e-13));
    }
    CHECK(s.node_log_probs[2] == Approx(std::log(0.5)).epsilon(1e-14));  // never replaced
    CHECK(s.log_prob == Approx(s.node_log_probs[0] + s.node_log_probs[1] + s.node_log_probs[2]));
  }
  CHECK(replaced[0] / double(draws) == Approx(0.3).epsilon(0.05));
  CHECK(replaced[1] / double(draws) == Approx(0.7).epsilon(0.05));
  CHECK(replaced[2] == 0);

  // p = 1 always replaces, p = 0 never does.
  for (int i = 0; i < 200; ++i) {
    const ArchitectureSample all = sample_architecture(policy, {1.0, 1.0}, rng);
    CHECK((all.replaced[0] && all.replaced[1] && !all.replaced[2]));
    const ArchitectureSample none = sample_architecture(policy, {0.0, 0.0}, rng);
    CHECK((!none.replaced[0] && !none.replaced[1]));
  }
}

TEST_CASE("sampling: an op warm-up mask of 1/n activates every branch below it") {
  const Policy policy(hierarchical_example(DecisionTag::op));
  tunas::Rng rng = tunas::test::make_rng("sampling: warm-up activates");
  const ArchitectureSample s = sample_architecture(policy, {1.0, 0.0}, rng);
  CHECK(s.replaced == std::vector<std::uint8_t>{0, 0, 1});
  CHECK(s.masks[2] == std::vector<float>{0.5f, 0.5f});
  CHECK(s.active == std::vector<std::uint8_t>{1, 1, 1});
  CHECK(s.log_prob == Approx(std::log(1.0) + std::log(1.0 / 3.0) + std::log(0.25)).epsilon(1e-14));
  CHECK(s.entropy == Approx(std::log(2.0) + std::log(3.0) + std::log(4.0)).epsilon(1e-14));
}

TEST_CASE("sampling: active_decisions uses the mask threshold 1e-6") {
  const std::vector<DecisionSpec> ds = hierarchical_example();
  std::vector<std::vector<float>> masks = {{1, 0, 0}, {1, 0, 0, 0}, {2e-6f, 1e-7f}};
  CHECK(active_decisions(ds, masks) == std::vector<std::uint8_t>{1, 0, 1});
  masks[2] = {-1e-7f, -3e-6f};  // |mask| counts, not its sign
  CHECK(active_decisions(ds, masks) == std::vector<std::uint8_t>{0, 1, 1});
  // Two levels: the leaf is off as soon as any ancestor is off.
  const std::vector<DecisionSpec> tree = mixed_tree();
  std::vector<std::vector<float>> m(tree.size());
  for (std::size_t d = 0; d < tree.size(); ++d) m[d].assign(std::size_t(tree[d].num_choices), 0.0f);
  m[3][0] = 1;
  m[4][0] = 1;
  m[6][2] = 1;  // mid picks the leaf's branch ...
  m[7][0] = 1;  // ... but the root picks the other branch
  CHECK(active_decisions(tree, m) == std::vector<std::uint8_t>{1, 1, 1, 1, 1, 0, 0, 1});
  m[7] = {0, 1};
  CHECK(active_decisions(tree, m) == std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 1, 1});
}

TEST_CASE("sampling: reproducible per replica whatever the order or thread") {
  ControllerConfig config;
  config.num_replicas = 4;
  config.seed = 99;
  Controller sequential(mixed_tree(), config), reversed(mixed_tree(), config),
      threaded(mixed_tree(), config);
  std::vector<ArchitectureSample> a(4), b(4), c(4);
  for (int step = 0; step < 3; ++step) {
    for (int r = 0; r < 4; ++r) a[std::size_t(r)] = sequential.sample(r, {0.5, 0.5});
    for (int r = 3; r >= 0; --r) b[std::size_t(r)] = reversed.sample(r, {0.5, 0.5});
    std::vector<std::thread> threads;
    for (int r = 0; r < 4; ++r) {
      threads.emplace_back([&, r] { c[std::size_t(r)] = threaded.sample(r, {0.5, 0.5}); });
    }
    for (std::thread& t : threads) t.join();
    for (int r = 0; r < 4; ++r) {
      CHECK(a[std::size_t(r)].indices == b[std::size_t(r)].indices);
      CHECK(a[std::size_t(r)].masks == b[std::size_t(r)].masks);
      CHECK(a[std::size_t(r)].indices == c[std::size_t(r)].indices);
      CHECK(a[std::size_t(r)].masks == c[std::size_t(r)].masks);
    }
  }
  // Replicas draw different architectures (distinct streams).
  bool any_differ = false;
  for (int r = 1; r < 4; ++r) any_differ = any_differ || a[std::size_t(r)].indices != a[0].indices;
  CHECK(any_differ);
  // Exactly two doubles (four 32-bit words) per node and sample: 3 steps x 8 nodes.
  CHECK(sequential.state().rng_positions == std::vector<std::uint64_t>(4, 3 * 8 * 4));
}

TEST_CASE("sampling: invalid decisions, tags and probabilities give clear errors") {
  using tunas::Error;
  CHECK_THROWS_WITH_AS(Policy({make_decision("a", DecisionTag::op, 0)}),
                       Contains("decision 0 ('a'): num_choices must be >= 1, got 0"), Error);
  CHECK_THROWS_WITH_AS(Policy({make_decision("a", DecisionTag::filters, 2, -1, -1, 2)}),
                       Contains("largest_choice must be in [0, 2), got 2"), Error);
  // Parent before the child breaks post-order.
  CHECK_THROWS_WITH_AS(Policy({make_decision("p", DecisionTag::op, 2), make_decision("c", DecisionTag::op, 2, 0, 0)}),
                       Contains("decision 1 ('c'): parent_decision must come after the node"), Error);
  CHECK_THROWS_WITH_AS(Policy({make_decision("c", DecisionTag::op, 2, 5, 0), make_decision("p", DecisionTag::op, 2)}),
                       Contains("parent_decision must come after"), Error);
  CHECK_THROWS_WITH_AS(Policy({make_decision("c", DecisionTag::op, 2, 1, 2), make_decision("p", DecisionTag::op, 2)}),
                       Contains("parent_choice must be in [0, 2), got 2"), Error);
  CHECK_THROWS_WITH_AS(Policy({make_decision("c", DecisionTag::op, 2, -1, 0)}),
                       Contains("parent_decision = parent_choice = -1"), Error);
  CHECK_THROWS_WITH_AS(Policy({make_decision("c", DecisionTag::op, 2, -2, -1)}),
                       Contains("parent_decision = parent_choice = -1"), Error);

  CHECK(parse_decision_tag("op") == DecisionTag::op);
  CHECK(parse_decision_tag("filters") == DecisionTag::filters);
  CHECK(parse_decision_tag("other") == DecisionTag::other);
  CHECK_THROWS_WITH_AS(parse_decision_tag("filter"),
                       "unknown decision tag 'filter'; valid tags: op, filters, other", Error);

  const Policy policy(hierarchical_example());
  tunas::Rng rng(1, 2);
  CHECK_THROWS_WITH_AS(sample_architecture(policy, {1.5, 0.0}, rng),
                       Contains("op warm-up probability must be in [0, 1], got 1.5"), Error);
  CHECK_THROWS_WITH_AS(sample_architecture(policy, {0.0, -0.1}, rng),
                       Contains("filter warm-up probability must be in [0, 1]"), Error);
  Controller controller(hierarchical_example(), {});
  CHECK_THROWS_WITH_AS(controller.sample(1, {}), Contains("replica 1 outside [0, 1)"), Error);
  CHECK_THROWS_WITH_AS(controller.sample(-1, {}), Contains("replica -1"), Error);
}

TEST_CASE("final architecture: per-decision argmax with ties to the lowest index (§4.6)") {
  Policy policy(mixed_tree());
  CHECK(policy.argmax_indices() == std::vector<int>(8, 0));  // all ties at zero logits
  policy.logits(0)[1] = 0.5;
  policy.logits(0)[2] = 0.5;      // tie between 1 and 2 -> 1
  policy.logits(4)[3] = 1e-12;
  policy.logits(7)[1] = -0.1;     // below the tie -> stays 0
  policy.logits(5)[1] = 3.0;      // nested under an unselected choice: still reported
  CHECK(policy.argmax_indices() == std::vector<int>{1, 0, 0, 0, 3, 1, 0, 0});
  const std::vector<double> p = policy.probabilities(0);
  const double z = 1.0 + 2.0 * std::exp(0.5);
  CHECK(p[0] == Approx(1.0 / z).epsilon(1e-14));
  CHECK(p[1] == Approx(std::exp(0.5) / z).epsilon(1e-14));
  CHECK(policy.probabilities(2) == std::vector<double>{1.0});
}
