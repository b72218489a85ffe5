// "train_replica/evaluate never touch the heap" (supernet.h, STYLE G9/G11), and neither does
// the data-parallel step around them (run/replica_step.h), checked: this
// binary replaces the global operator new and counts the calls made, on any thread, while a
// step runs. One warm-up step on the smallest architecture comes first (TBB starts its workers
// and builds its pools then); every later step, on any architecture or mask, must count zero.
//
// Its own test binary: the replacement operator new would otherwise sit under every test.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "core/threads.h"
#include "datasets/batch_iterator.h"
#include "datasets/synthetic.h"
#include "distributed/communicator.h"
#include "distributed/data_parallel.h"
#include "run/replica_step.h"
#include "search_spaces/catalog.h"
#include "supernet/supernet.h"
#include "tests/supernet/supernet_test_util.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

void* counted_allocation(std::size_t size, std::size_t align) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = align > alignof(std::max_align_t)
                ? std::aligned_alloc(align, (size + align - 1) / align * align)
                : std::malloc(size);
  if (!p) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t size) { return counted_allocation(size, 0); }
void* operator new[](std::size_t size) { return counted_allocation(size, 0); }
void* operator new(std::size_t size, std::align_val_t align) {
  return counted_allocation(size, std::size_t(align));
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return counted_allocation(size, std::size_t(align));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace tunas::supernet {
namespace {

// operator new calls made while f() runs.
template <typename F>
long allocations_during(F&& f) {
  g_allocations = 0;
  g_counting = true;
  f();
  g_counting = false;
  return g_allocations.load();
}

// One warm-up step with the first mask set (the smallest architecture), then train_replica and
// evaluate with each mask set, larger ones too: no allocation.
void check_steps(const spaces::Space& space, const SupernetConfig& config,
                 const std::vector<Masks>& mask_sets) {
  Supernet net(space, config);
  test::Batch batch = test::random_batch(space, config.max_batch, 7);
  const Tensor images = batch.tensor(space);
  net.train_replica(images, batch.labels.data(), mask_sets[0], 0.5f);
  net.evaluate(images, batch.labels.data(), mask_sets[0]);
  for (std::size_t i = 0; i < mask_sets.size(); ++i) {
    CAPTURE(i);
    const Masks& masks = mask_sets[i];
    CHECK(allocations_during([&] { net.train_replica(images, batch.labels.data(), masks, 0.5f); }) == 0);
    CHECK(allocations_during([&] { net.evaluate(images, batch.labels.data(), masks); }) == 0);
  }
}

std::vector<Masks> mask_sets(const spaces::Space& space) {
  return {masks_from_indices(space, std::vector<int>(space.decisions.size(), 0)),
          masks_from_indices(space, test::random_indices(space, 1)),
          masks_from_indices(space, test::largest_indices(space)),
          warmup_masks(space, test::random_indices(space, 2), true, true),
          test::mixed_masks(space, 3, 0.5, 0.5)};
}

}  // namespace

TEST_CASE("the counter counts: a vector's growth inside the window is seen") {
  std::vector<int> v;
  CHECK(allocations_during([&] { v.push_back(1); }) == 1);
  CHECK(allocations_during([&] { v.clear(); }) == 0);
}

TEST_CASE("train_replica and evaluate allocate nothing after a warm-up step") {
  set_num_threads(2);  // the parallel paths (TBB), not only the inline one
  const spaces::Space tiny = test::tiny_space(16, 5);
  SUBCASE("search: batch statistics, remat switches") {
    SupernetConfig c;
    c.max_batch = 4;
    check_steps(tiny, c, mask_sets(tiny));
  }
  SUBCASE("search: no remat") {
    SupernetConfig c;
    c.max_batch = 4;
    c.remat = RematPolicy::none;
    check_steps(tiny, c, mask_sets(tiny));
  }
  SUBCASE("stand-alone training: stateful BN, dropout, path dropout") {
    SupernetConfig c;
    c.max_batch = 4;
    c.bn_mode = BnMode::stateful;
    c.dropout = 0.2f;
    c.path_dropout = 0.3f;
    check_steps(tiny, c, mask_sets(tiny));
  }
  SUBCASE("mobilenet_v3_like_search (SE, h-swish, ReLU) at 32x32") {
    spaces::Space space = spaces::load_space("mobilenet_v3_like_search");
    spaces::configure_data_network(space, 32, 3, 10, 0.25, 2);
    SupernetConfig c;
    c.max_batch = 2;
    check_steps(space, c, mask_sets(space));
  }
}

TEST_CASE("ReplicaStep: K = 2 replicas' train and evaluate allocate nothing after a warm-up step") {
  set_num_threads(2);
  const spaces::Space tiny = test::tiny_space(16, 5);
  SupernetConfig c;
  c.max_batch = 4;
  Supernet net(tiny, c);
  datasets::SyntheticConfig sc;
  sc.train_count = 40;
  sc.test_count = 4;
  sc.height = sc.width = 16;
  sc.channels = 3;
  sc.num_classes = 5;
  const datasets::Dataset data = datasets::make_synthetic(sc);
  datasets::BatchIterator iterator(data.train, datasets::PreprocessConfig{}, datasets::BatchIteratorConfig{});
  std::vector<float> pixels(std::size_t(c.max_batch) * 16 * 16 * 3);
  std::vector<std::int32_t> labels(std::size_t(c.max_batch));
  const Tensor images(pixels.data(), Shape4{c.max_batch, 16, 16, 3});
  distributed::SingleProcessCommunicator comm;
  distributed::DataParallel dp(comm, 2);
  run::ReplicaStep step(dp, net);
  const std::vector<Masks> sets = mask_sets(tiny);
  const auto masks_of = [&](int r) -> const Masks& { return sets[std::size_t(r) % sets.size()]; };
  step.train(iterator, images, labels.data(), masks_of, 0);  // warm-up
  step.evaluate(iterator, images, labels.data(), masks_of);
  for (std::int64_t t = 1; t < 4; ++t) {
    CAPTURE(t);
    CHECK(allocations_during([&] { step.train(iterator, images, labels.data(), masks_of, t); }) == 0);
    CHECK(allocations_during([&] { step.evaluate(iterator, images, labels.data(), masks_of); }) == 0);
  }
  CHECK(step.train(iterator, images, labels.data(), masks_of, 4).size() == 2);
}

}  // namespace tunas::supernet
