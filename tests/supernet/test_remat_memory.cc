// Rematerialisation (spec §6.6) saves memory, not only gives equal gradients: an op warm-up
// step, where every switch runs all its branches, reaches a lower arena high-water with
// RematPolicy::switches than with none.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "search_spaces/catalog.h"
#include "supernet/supernet.h"
#include "tests/supernet/supernet_test_util.h"

namespace tunas::supernet {

TEST_CASE("remat: an op warm-up step has a lower arena high-water, same gradients") {
  // proxylessnas_search at 32x32: many multi-branch switches (kernel, skip) per layer.
  spaces::Space space = spaces::load_space("proxylessnas_search");
  spaces::configure_data_network(space, 32, 3, 10, 0.25, 2);
  const Masks warm = warmup_masks(space, std::vector<int>(space.decisions.size(), 0), true, false);
  test::Batch batch = test::random_batch(space, 2, 5);
  std::size_t high_water[2] = {0, 0};
  std::vector<float> grads[2];
  for (const RematPolicy remat : {RematPolicy::none, RematPolicy::switches}) {
    SupernetConfig config;
    config.max_batch = 2;
    config.remat = remat;
    Supernet net(space, config);
    CHECK(net.arena().high_water() == 0);  // planning does not touch the arena
    net.train_replica(batch.tensor(space), batch.labels.data(), warm, 1.f);
    const int i = remat == RematPolicy::none ? 0 : 1;
    high_water[i] = net.arena().high_water();
    grads[i].assign(net.params().grads(), net.params().grads() + net.params().size());
  }
  MESSAGE("arena high-water of one op warm-up step: no remat ", high_water[0], " B, remat ",
          high_water[1], " B");
  CHECK(high_water[1] > 0);
  CHECK(high_water[1] * 10 < high_water[0] * 9);  // at least 10% lower
  CHECK(std::memcmp(grads[0].data(), grads[1].data(), grads[0].size() * sizeof(float)) == 0);
}

}  // namespace tunas::supernet
