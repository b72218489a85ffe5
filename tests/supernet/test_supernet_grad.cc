// Whole-supernet gradient tests: finite differences on the tiny space (one-hot, warm-up and
// mixed masks), rematerialisation bitwise equality, K-replica accumulation, arena stability,
// and the YAML smoke test of every catalogued space (STYLE G13, G16).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/rng.h"
#include "search_spaces/catalog.h"
#include "supernet/supernet.h"
#include "tests/supernet/supernet_test_util.h"

namespace tunas::supernet {
namespace {

using test::mixed_masks;
using test::random_batch;
using test::tiny_space;

std::vector<float> grads_of(Supernet& net) {
  return std::vector<float>(net.params().grads(), net.params().grads() + net.params().size());
}

void check_finite_differences(Supernet& net, const test::Batch& batch_data, const Masks& masks,
                              std::uint64_t seed) {
  test::Batch batch = batch_data;
  const Tensor images = batch.tensor(net.space());
  net.params().zero_grads();
  const ReplicaResult r = net.train_replica(images, batch.labels.data(), masks, 1.f);
  const ReplicaResult e = net.evaluate(images, batch.labels.data(), masks);
  CHECK(r.loss == doctest::Approx(e.loss).epsilon(1e-6));
  const std::vector<float> g = grads_of(net);
  float* w = net.params().values();
  Rng rng(seed, stream_id("fd-pick"));
  int checked_active = 0, checked_inactive = 0, failures = 0;
  for (const ParameterInfo& info : net.params().infos()) {
    // up to 3 elements with a gradient and 1 without, per tensor
    int want_active = 3, want_inactive = 1;
    for (int tries = 0; tries < 40 && (want_active > 0 || want_inactive > 0); ++tries) {
      const std::int64_t i = info.offset + std::int64_t(rng.uniform_int(std::uint32_t(info.size)));
      const bool active = g[std::size_t(i)] != 0.f;
      if (active ? want_active <= 0 : want_inactive <= 0) continue;
      (active ? want_active : want_inactive)--;
      const float saved = w[i];
      const double eps = 2e-3;
      w[i] = float(saved + eps);
      const double plus = net.evaluate(images, batch.labels.data(), masks).loss;
      w[i] = float(saved - eps);
      const double minus = net.evaluate(images, batch.labels.data(), masks).loss;
      w[i] = saved;
      const double fd = (plus - minus) / (double(float(saved + eps)) - double(float(saved - eps)));
      const double tol = 1e-3 + 3e-2 * std::fabs(fd);
      if (std::fabs(fd - g[std::size_t(i)]) > tol) {
        ++failures;
        MESSAGE(info.name, "[", i - info.offset, "]: analytic ", g[std::size_t(i)], " fd ", fd);
      }
      (active ? checked_active : checked_inactive)++;
    }
  }
  CHECK(failures == 0);
  CHECK(checked_active > 20);
  MESSAGE("finite differences: ", checked_active, " active and ", checked_inactive,
          " inactive elements checked");
}

TEST_CASE("supernet: finite differences of the whole loss on the tiny space") {
  const spaces::Space space = tiny_space();
  SupernetConfig config;
  config.max_batch = 4;
  config.weight_decay = 1e-2f;  // large enough for the L2 term to show in the check
  config.init_seed = 7;
  Supernet net(space, config);
  const test::Batch batch = random_batch(space, 4, 11);
  SUBCASE("one-hot, random architecture") {
    check_finite_differences(net, batch, masks_from_indices(space, test::random_indices(space, 3)), 1);
  }
  SUBCASE("one-hot, largest choices") {
    check_finite_differences(net, batch, masks_from_indices(space, test::largest_indices(space)), 2);
  }
  SUBCASE("op and filter warm-up (fractional masks)") {
    check_finite_differences(net, batch, warmup_masks(space, test::random_indices(space, 4), true, true), 3);
  }
  SUBCASE("mixed warm-up") {
    check_finite_differences(net, batch, mixed_masks(space, 5, 0.5, 0.5), 4);
  }
}

TEST_CASE("supernet: gradients with and without rematerialisation are bitwise equal") {
  const spaces::Space space = tiny_space();
  SupernetConfig config;
  config.max_batch = 4;
  config.init_seed = 3;
  config.remat = RematPolicy::none;
  Supernet plain(space, config);
  config.remat = RematPolicy::switches;
  Supernet remat(space, config);
  test::Batch batch = random_batch(space, 4, 5);
  const Tensor images = batch.tensor(space);
  for (int trial = 0; trial < 4; ++trial) {
    const Masks masks = trial == 0 ? warmup_masks(space, test::random_indices(space, 9), true, true)
                                   : mixed_masks(space, 100 + trial, 0.6, 0.3);
    plain.params().zero_grads();
    remat.params().zero_grads();
    const ReplicaResult a = plain.train_replica(images, batch.labels.data(), masks, 0.5f);
    const ReplicaResult b = remat.train_replica(images, batch.labels.data(), masks, 0.5f);
    CHECK(a.loss == b.loss);
    CHECK(std::memcmp(plain.params().grads(), remat.params().grads(),
                      std::size_t(plain.params().size()) * sizeof(float)) == 0);
  }
}

TEST_CASE("supernet: K replicas with grad_scale 1/K accumulate the mean gradient") {
  const spaces::Space space = tiny_space();
  SupernetConfig config;
  config.max_batch = 2;
  config.init_seed = 4;
  Supernet net(space, config);
  test::Batch batch = random_batch(space, 6, 8);
  const int k = 3;
  std::vector<Masks> masks;
  for (int r = 0; r < k; ++r) masks.push_back(mixed_masks(space, 40 + r, 0.3, 0.3));
  std::vector<double> mean(std::size_t(net.params().size()), 0.0);
  for (int r = 0; r < k; ++r) {
    net.params().zero_grads();
    net.train_replica(batch.tensor(space, 2 * r, 2), batch.labels.data() + 2 * r, masks[r], 1.f);
    for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += net.params().grads()[i] / double(k);
  }
  net.params().zero_grads();
  for (int r = 0; r < k; ++r)
    net.train_replica(batch.tensor(space, 2 * r, 2), batch.labels.data() + 2 * r, masks[r],
                      1.f / float(k));
  int bad = 0;
  for (std::size_t i = 0; i < mean.size(); ++i)
    if (std::fabs(net.params().grads()[i] - mean[i]) > 1e-6 + 1e-5 * std::fabs(mean[i])) ++bad;
  CHECK(bad == 0);
}

TEST_CASE("supernet: the arena is reserved once and never grows") {
  const spaces::Space space = tiny_space();
  SupernetConfig config;
  config.max_batch = 4;
  config.max_eval_batch = 8;
  Supernet net(space, config);
  const std::size_t capacity = net.arena().capacity();
  CHECK(capacity > 0);
  test::Batch batch = random_batch(space, 8, 2);
  for (int t = 0; t < 6; ++t) {
    const Masks m = t == 0 ? warmup_masks(space, test::largest_indices(space), true, true)
                           : mixed_masks(space, 200 + t, 0.5, 0.5);
    net.train_replica(batch.tensor(space, 0, 4), batch.labels.data(), m, 1.f);
    net.evaluate(batch.tensor(space), batch.labels.data(), m);
    CHECK(net.arena().capacity() == capacity);
    CHECK(net.arena().high_water() <= capacity);
  }
}

// STYLE G16: every YAML space builds at its max and min choices and runs forward/backward.
TEST_CASE("supernet: smoke test of every catalogued space at 32x32") {
  for (const std::string& name : spaces::known_spaces()) {
    CAPTURE(name);
    spaces::Space space = spaces::load_space(name);
    spaces::NetworkConfig config;
    config.resolution = 32;
    config.classes = 10;
    spaces::configure_network(space, config);
    SupernetConfig sc;
    sc.max_batch = 2;
    Supernet net(space, sc);
    test::Batch batch = random_batch(space, 2, 1);
    for (int which = 0; which < 2; ++which) {
      const std::vector<int> idx =
          which == 0 ? test::largest_indices(space) : std::vector<int>(space.decisions.size(), 0);
      net.params().zero_grads();
      const ReplicaResult r =
          net.train_replica(batch.tensor(space), batch.labels.data(), masks_from_indices(space, idx), 1.f);
      CHECK(std::isfinite(r.loss));
      double norm = 0;
      for (std::int64_t i = 0; i < net.params().size(); ++i)
        norm += double(net.params().grads()[i]) * net.params().grads()[i];
      CHECK(std::isfinite(norm));
      CHECK(norm > 0);
    }
  }
}

}  // namespace
}  // namespace tunas::supernet
