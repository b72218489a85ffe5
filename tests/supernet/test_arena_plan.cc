// The arena plan (supernet/arena_plan.cc) against real steps: over every mask of the planned
// family (each op decision one-hot at any choice or uniform; filters at their widest) the
// arena's high-water mark reaches its capacity exactly, so the plan is neither short (a step
// would abort) nor loose; random family masks with random filter choices stay inside it.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "core/rng.h"
#include "search_spaces/parse.h"
#include "supernet/supernet.h"
#include "tests/supernet/supernet_test_util.h"

namespace tunas::supernet {
namespace {

// Five op decisions (two kernels, two SE switches, a skip choice) and four filter decisions.
const char* kPlanYaml = R"(
name: plan
filters_base: 8
blocks:
  - filters: {one_of: [8, 16]}
    layers:
      - conv: {kernel_size: 3, strides: 2}
  - filters: {one_of: [8, 16]}
    layers:
      - bottleneck: {kernel_size: {one_of: [3, 5]}, expansion_filters: {one_of: [x1, x3]},
                     use_squeeze_and_excite: {one_of: [false, true]}, strides: 2,
                     activation: swish6}
      - residual:
          one_of:
            - bottleneck: {kernel_size: {one_of: [3, 5]}, expansion_filters: {one_of: [x1, x3]},
                           use_squeeze_and_excite: {one_of: [false, true]}, activation: relu}
            - zero
  - filters: 16
    layers:
      - conv: {kernel_size: 1}
      - global_avg_pool
)";

spaces::Space plan_space() {
  spaces::Space space = spaces::parse_space_yaml(kPlanYaml, "<plan>");
  spaces::NetworkConfig config;
  config.resolution = 16;
  config.classes = 4;
  spaces::configure_network(space, config);
  return space;
}

// Mask of decision d in mode `mode`: one-hot at choice `mode`, or uniform when mode == n.
void set_mode(const spaces::Space& space, int d, int mode, Masks& masks) {
  const int n = space.decisions[std::size_t(d)].size();
  std::vector<float>& m = masks[std::size_t(d)];
  std::fill(m.begin(), m.end(), mode == n ? 1.f / float(n) : 0.f);
  if (mode < n) m[std::size_t(mode)] = 1.f;
}

void check_plan_is_exact(const SupernetConfig& config) {
  const spaces::Space space = plan_space();
  Supernet net(space, config);
  const std::size_t capacity = net.arena().capacity();
  const int eval_batch = std::max(config.max_batch, config.max_eval_batch);
  test::Batch batch = test::random_batch(space, eval_batch, 3);
  std::vector<int> ops;
  for (int d = 0; d < int(space.decisions.size()); ++d)
    if (space.decisions[std::size_t(d)].tag == spaces::Tag::op) ops.push_back(d);
  REQUIRE(ops.size() == 5);
  const Masks widest = masks_from_indices(space, test::largest_indices(space));
  int combinations = 1;
  for (int d : ops) combinations *= space.decisions[std::size_t(d)].size() + 1;
  for (int c = 0; c < combinations; ++c) {
    Masks masks = widest;
    int rest = c;
    for (int d : ops) {
      const int n = space.decisions[std::size_t(d)].size();
      set_mode(space, d, rest % (n + 1), masks);
      rest /= n + 1;
    }
    net.train_replica(batch.tensor(space, 0, config.max_batch), batch.labels.data(), masks, 1.f);
    net.evaluate(batch.tensor(space), batch.labels.data(), masks);
    REQUIRE(net.arena().capacity() == capacity);
  }
  // Exact: some mask of the family needs all of it, none needs more.
  CHECK(net.arena().high_water() == capacity);

  // Random family masks with random filter choices (narrower is never larger).
  Rng rng(11, stream_id("plan-masks"));
  for (int t = 0; t < 40; ++t) {
    Masks masks = masks_from_indices(space, test::random_indices(space, 500 + t));
    for (int d : ops)
      if (rng.uniform() < 0.5) set_mode(space, d, space.decisions[std::size_t(d)].size(), masks);
    net.train_replica(batch.tensor(space, 0, config.max_batch), batch.labels.data(), masks, 1.f);
    net.evaluate(batch.tensor(space), batch.labels.data(), masks);
    CHECK(net.arena().high_water() <= capacity);
  }
}

TEST_CASE("arena plan: exact over every one-hot/uniform mask, with and without remat") {
  SupernetConfig config;
  config.max_batch = 2;
  config.max_eval_batch = 6;
  SUBCASE("remat at switches") { config.remat = RematPolicy::switches; }
  SUBCASE("no remat") { config.remat = RematPolicy::none; }
  SUBCASE("stateful BN with dropout") {
    config.bn_mode = BnMode::stateful;
    config.dropout = 0.2f;
  }
  SUBCASE("evaluation batch below the training batch") {
    config.max_batch = 5;
    config.max_eval_batch = 1;
  }
  CAPTURE(int(config.remat));
  check_plan_is_exact(config);
}

}  // namespace
}  // namespace tunas::supernet
