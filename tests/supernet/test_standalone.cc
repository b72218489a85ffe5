// Stand-alone networks (prune_space + stateful BN) and slicing: the sliced supernet with
// one-hot masks equals the exact-width network of the same architecture, weights copied.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "search_spaces/catalog.h"
#include "search_spaces/network.h"
#include "supernet/path_weights.h"
#include "supernet/supernet.h"
#include "tests/supernet/supernet_test_util.h"

namespace tunas::supernet {
namespace {

// Element (i0, i1, ...) of a row-major tensor of `shape`.
std::int64_t flat_index(const std::vector<int>& shape, const std::vector<int>& idx) {
  std::int64_t f = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) f = f * shape[d] + idx[d];
  return f;
}

// Visits every element of the small tensor `small` as a prefix of `big` (same rank).
template <typename F>
void for_each_prefix(const std::vector<int>& small, F&& f) {
  std::vector<int> idx(small.size(), 0);
  std::int64_t total = 1;
  for (int d : small) total *= d;
  for (std::int64_t n = 0; n < total; ++n) {
    std::int64_t r = n;
    for (std::size_t d = small.size(); d-- > 0;) {
      idx[d] = int(r % small[d]);
      r /= small[d];
    }
    f(idx);
  }
}

TEST_CASE("prune_space: parameter count equals the resolved network's") {
  for (const char* name : {"proxylessnas_search", "mobilenet_v3_like_search"}) {
    CAPTURE(name);
    spaces::Space space = spaces::load_space(name);
    spaces::NetworkConfig config;
    config.resolution = 32;
    spaces::configure_network(space, config);
    const std::vector<int> idx = test::random_indices(space, 17);
    const spaces::Space pruned = prune_space(space, idx);
    CHECK(pruned.decisions.size() == space.decisions.size());
    SupernetConfig sc;
    sc.max_batch = 1;
    Supernet net(pruned, sc);
    std::int64_t count = 0;
    for (const ParameterInfo& info : net.params().infos()) count += info.size;
    CHECK(count == spaces::count_params(spaces::resolve(space, idx)));
  }
}

TEST_CASE("slicing: the one-hot supernet equals the exact-width network of the architecture") {
  const spaces::Space space = test::tiny_space();
  SupernetConfig config;
  config.max_batch = 4;
  config.weight_decay = 1e-2f;
  config.init_seed = 5;
  Supernet full(space, config);
  for (int trial = 0; trial < 3; ++trial) {
    const std::vector<int> idx = test::random_indices(space, 70 + trial);
    const spaces::Space pruned = prune_space(space, idx);
    Supernet exact(pruned, config);
    // Copy the active slices of the supernet's weights into the exact network.
    for (const ParameterInfo& info : exact.params().infos()) {
      const ParameterInfo* big = full.params().find(info.name);
      REQUIRE(big != nullptr);
      for_each_prefix(info.shape, [&](const std::vector<int>& i) {
        exact.params().values()[info.offset + flat_index(info.shape, i)] =
            full.params().values()[big->offset + flat_index(big->shape, i)];
      });
    }
    // The library's row-wise copy equals the element-wise reference above.
    Supernet copied(pruned, config);
    copy_path_weights(full.params(), copied.params());
    REQUIRE(copied.params().size() == exact.params().size());
    CHECK(std::memcmp(copied.params().values(), exact.params().values(),
                      std::size_t(exact.params().size()) * sizeof(float)) == 0);
    // Not a path of the supernet: the other way round some tensor is too big.
    if (exact.params().size() < full.params().size())
      CHECK_THROWS_WITH_AS(copy_path_weights(exact.params(), full.params()),
                           doctest::Contains("copy_path_weights"), Error);
    test::Batch batch = test::random_batch(space, 4, 90 + trial);
    full.params().zero_grads();
    exact.params().zero_grads();
    const ReplicaResult a = full.train_replica(batch.tensor(space), batch.labels.data(),
                                               masks_from_indices(space, idx), 1.f);
    const ReplicaResult b = exact.train_replica(
        batch.tensor(pruned), batch.labels.data(),
        masks_from_indices(pruned, std::vector<int>(pruned.decisions.size(), 0)), 1.f);
    CHECK(a.loss == doctest::Approx(b.loss).epsilon(1e-5));
    CHECK(a.regularization_loss == doctest::Approx(b.regularization_loss).epsilon(1e-5));
    int bad = 0;
    double used = 0;
    for (const ParameterInfo& info : exact.params().infos()) {
      const ParameterInfo* big = full.params().find(info.name);
      for_each_prefix(info.shape, [&](const std::vector<int>& i) {
        const float ge = exact.params().grads()[info.offset + flat_index(info.shape, i)];
        const float gf = full.params().grads()[big->offset + flat_index(big->shape, i)];
        if (std::fabs(ge - gf) > 1e-5 + 1e-3 * std::fabs(gf)) ++bad;
        used += std::fabs(gf);
      });
    }
    CHECK(bad == 0);
    // Everything outside the architecture's slices got no gradient at all.
    double total = 0;
    for (std::int64_t i = 0; i < full.params().size(); ++i) total += std::fabs(full.params().grads()[i]);
    CHECK(total == doctest::Approx(used).epsilon(1e-6));
  }
}

TEST_CASE("stand-alone: stateful BN moving statistics, inference mode and dropout") {
  const spaces::Space space = test::tiny_space();
  const spaces::Space pruned = prune_space(space, test::random_indices(space, 5));
  SupernetConfig config;
  config.max_batch = 4;
  config.bn_mode = BnMode::stateful;
  config.dropout = 0.25f;
  Supernet net(pruned, config);
  const Masks masks =
      masks_from_indices(pruned, std::vector<int>(pruned.decisions.size(), 0));
  std::vector<float> stats0(net.bn_statistics(), net.bn_statistics() + net.bn_statistics_size());
  // mean 0, variance 1 at the start
  CHECK(stats0[0] == 0.f);
  test::Batch batch = test::random_batch(pruned, 4, 3);
  const ReplicaResult eval0 = net.evaluate(batch.tensor(pruned), batch.labels.data(), masks);
  CHECK(std::isfinite(eval0.loss));
  // evaluate never touches the statistics
  CHECK(std::memcmp(stats0.data(), net.bn_statistics(), stats0.size() * sizeof(float)) == 0);
  CHECK(net.dropout_calls() == 0);
  const ReplicaResult t1 = net.train_replica(batch.tensor(pruned), batch.labels.data(), masks, 1.f);
  CHECK(net.dropout_calls() == 1);
  CHECK(std::memcmp(stats0.data(), net.bn_statistics(), stats0.size() * sizeof(float)) != 0);
  // The moving statistics move by 1% towards the batch statistics: every moving variance stays
  // within [0.99 * 1, 0.99 + 0.01 * max]; means within 1% of a batch mean.
  const ReplicaResult eval1 = net.evaluate(batch.tensor(pruned), batch.labels.data(), masks);
  CHECK(eval1.loss != eval0.loss);
  // Same seed and dropout counter reproduce the same step.
  Supernet twin(pruned, config);
  const ReplicaResult t1b = twin.train_replica(batch.tensor(pruned), batch.labels.data(), masks, 1.f);
  CHECK(t1.loss == t1b.loss);
  // In batch-statistics mode, evaluate equals the training forward (no dropout there).
  SupernetConfig search = config;
  search.bn_mode = BnMode::batch_statistics;
  Supernet s(pruned, search);
  const double l_eval = s.evaluate(batch.tensor(pruned), batch.labels.data(), masks).loss;
  const double l_train = s.train_replica(batch.tensor(pruned), batch.labels.data(), masks, 1.f).loss;
  CHECK(l_eval == doctest::Approx(l_train).epsilon(1e-7));
}

TEST_CASE("stand-alone: path dropout multiplies a kept skippable layer by Bernoulli(1-p)/(1-p)") {
  // Keep only the second skippable layer (a bottleneck whose last op is its projection BN).
  const spaces::Space space = test::tiny_space();
  std::vector<int> idx(space.decisions.size(), 0);
  int skips = 0;
  for (std::size_t d = 0; d < idx.size(); ++d)
    if (space.decisions[d].choices.back().label == "zero" && skips++ == 0) idx[d] = 1;
  REQUIRE(skips == 2);
  const spaces::Space pruned = prune_space(space, idx);
  const Masks masks = masks_from_indices(pruned, std::vector<int>(pruned.decisions.size(), 0));
  SupernetConfig config;
  config.max_batch = 4;
  config.bn_mode = BnMode::stateful;
  config.init_seed = 4;
  test::Batch batch = test::random_batch(pruned, 4, 8);
  // References without path dropout: the layer's output x 1/(1-p) = 2 (its projection BN's
  // gamma and beta doubled), and dropped (both 0, so the residual adds nothing).
  auto reference_loss = [&](float bn_scale) {
    Supernet ref(pruned, config);
    int scaled = 0;
    for (const ParameterInfo& info : ref.params().infos()) {
      const bool inner_bn = info.name.find("blocks/1/layers/1") != std::string::npos &&
                            (info.name.ends_with("project/bn/gamma") || info.name.ends_with("project/bn/beta"));
      if (!inner_bn) continue;
      ++scaled;
      for (std::int64_t i = 0; i < info.size; ++i) ref.params().values()[info.offset + i] *= bn_scale;
    }
    REQUIRE(scaled == 2);
    return ref.train_replica(batch.tensor(pruned), batch.labels.data(), masks, 1.f).loss;
  };
  const double kept = reference_loss(2.f), dropped = reference_loss(0.f);
  REQUIRE(kept != dropped);
  config.path_dropout = 0.5f;
  Supernet net(pruned, config);
  int drops = 0;
  const int steps = 40;
  for (int step = 0; step < steps; ++step) {
    const double loss = net.train_replica(batch.tensor(pruned), batch.labels.data(), masks, 1.f).loss;
    const bool was_dropped = loss == doctest::Approx(dropped).epsilon(1e-6);
    CHECK((was_dropped || loss == doctest::Approx(kept).epsilon(1e-6)));
    drops += was_dropped;
  }
  CHECK(net.dropout_calls() == std::uint64_t(steps));  // one draw stream per step, checkpointed
  CHECK(drops >= 8);  // p = 0.5 over 40 steps: 20 +- 3.2
  CHECK(drops <= 32);
  // Never at evaluation, never in search (batch-statistics) mode.
  SupernetConfig plain = config;
  plain.path_dropout = 0.f;
  Supernet without(pruned, plain), fresh(pruned, config);  // equal moving statistics
  CHECK(fresh.evaluate(batch.tensor(pruned), batch.labels.data(), masks).loss ==
        without.evaluate(batch.tensor(pruned), batch.labels.data(), masks).loss);
  SupernetConfig search = config;
  search.bn_mode = BnMode::batch_statistics;
  Supernet searching(pruned, search);
  plain.bn_mode = BnMode::batch_statistics;
  Supernet searching_plain(pruned, plain);
  CHECK(searching.train_replica(batch.tensor(pruned), batch.labels.data(), masks, 1.f).loss ==
        searching_plain.train_replica(batch.tensor(pruned), batch.labels.data(), masks, 1.f).loss);
  config.path_dropout = 1.f;
  CHECK_THROWS_WITH_AS(Supernet(pruned, config), doctest::Contains("path dropout must be in [0, 1), got 1"),
                       tunas::Error);
}

TEST_CASE("initialisation is a pure function of the seed (one stream per parameter)") {
  const spaces::Space space = test::tiny_space();
  SupernetConfig config;
  config.max_batch = 1;
  config.init_seed = 9;
  Supernet a(space, config), b(space, config);
  CHECK(std::memcmp(a.params().values(), b.params().values(),
                    std::size_t(a.params().size()) * sizeof(float)) == 0);
  config.init_seed = 10;
  Supernet c(space, config);
  CHECK(std::memcmp(a.params().values(), c.params().values(),
                    std::size_t(a.params().size()) * sizeof(float)) != 0);
  // He-normal truncated at 2 sigma: |w| <= 2 sigma with sigma = sqrt(2/fan_in)/0.8796...
  const ParameterInfo* k = a.params().find("blocks/1/layers/0/expand/kernel");
  REQUIRE(k != nullptr);
  const double sigma = std::sqrt(2.0 / k->shape[2]) / 0.87962566103423978;
  for (std::int64_t i = 0; i < k->size; ++i)
    CHECK(std::fabs(a.params().values()[k->offset + i]) <= 2 * sigma + 1e-6);
}

}  // namespace
}  // namespace tunas::supernet
