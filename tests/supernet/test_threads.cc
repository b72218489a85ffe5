// The fused bottleneck passes of supernet/graph.cc (1x1 convs run chunk by chunk inside the BN
// statistics and backward, fresh gradient buffers overwritten): a whole training step is
// bitwise equal at 1 and 2 threads (with and without remat, one-hot and warm-up masks), and
// bitwise equal with the 1x1 + BN fusion on and off.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "core/threads.h"
#include "supernet/supernet.h"
#include "tests/supernet/supernet_test_util.h"

namespace tunas::supernet {
namespace {

TEST_CASE("supernet: a training step is bitwise equal at 1 and 2 threads") {
  // 32x32 at batch 8: the first bottleneck's tensors span 16 BN chunks of 128 rows.
  const spaces::Space space = test::tiny_space(32);
  test::Batch batch = test::random_batch(space, 8, 11);
  const Tensor images = batch.tensor(space);
  for (const RematPolicy remat : {RematPolicy::none, RematPolicy::switches}) {
    SupernetConfig config;
    config.max_batch = 8;
    config.init_seed = 5;
    config.remat = remat;
    Supernet net(space, config);
    for (int trial = 0; trial < 2; ++trial) {
      CAPTURE(int(remat));
      CAPTURE(trial);
      const Masks masks = trial == 0 ? masks_from_indices(space, test::largest_indices(space))
                                     : test::mixed_masks(space, 7, 0.6, 0.3);
      std::vector<std::vector<float>> grads;
      std::vector<double> losses;
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        net.params().zero_grads();
        losses.push_back(net.train_replica(images, batch.labels.data(), masks, 1.f).loss);
        grads.emplace_back(net.params().grads(), net.params().grads() + net.params().size());
      }
      set_num_threads(0);
      CHECK(losses[0] == losses[1]);
      CHECK(std::memcmp(grads[0].data(), grads[1].data(), grads[0].size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("supernet: fused and unfused 1x1 conv + BN give bitwise equal steps") {
  const spaces::Space space = test::tiny_space(32);
  test::Batch batch = test::random_batch(space, 8, 12);
  const Tensor images = batch.tensor(space);
  const Masks masks = test::mixed_masks(space, 8, 0.6, 0.3);
  std::vector<std::vector<float>> grads;
  std::vector<double> losses;
  for (const std::int64_t limit : {std::int64_t(0), std::int64_t(1) << 40}) {  // never, always
    SupernetConfig config;
    config.max_batch = 8;
    config.init_seed = 6;
    config.fuse_max_weight_floats = limit;
    Supernet net(space, config);
    net.params().zero_grads();
    losses.push_back(net.train_replica(images, batch.labels.data(), masks, 1.f).loss);
    grads.emplace_back(net.params().grads(), net.params().grads() + net.params().size());
  }
  CHECK(losses[0] == losses[1]);
  CHECK(std::memcmp(grads[0].data(), grads[1].data(), grads[0].size() * sizeof(float)) == 0);
}

}  // namespace
}  // namespace tunas::supernet
