// BatchIterator: epoch shuffling, determinism by seed, thread-count independence,
// checkpoint/resume, evaluation batches, and no allocation per batch.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <set>

#include "core/error.h"
#include "core/threads.h"
#include "datasets/batch_iterator.h"
#include "datasets/synthetic.h"
#include "tests/datasets/allocation_counter.h"
#include "tests/datasets/dataset_files.h"

using namespace tunas;
using namespace tunas::datasets;

namespace {

// Batches of an indexed set (mean 0, std 1, no geometry): image slot k holds the source
// index in pixel bytes 0 and 1.
struct Batches {
  std::vector<std::vector<int>> sources;
  std::vector<std::vector<std::int32_t>> labels;
};

int source_of(const Tensor& t, int k) { return int(t.at(k, 0, 0, 0)) + 256 * int(t.at(k, 0, 1, 0)); }

Batches take(BatchIterator& it, int batches, int batch_size) {
  std::vector<float> buffer(std::size_t(batch_size) * it.height() * it.width() * it.channels());
  const Tensor dst(buffer.data(), {batch_size, it.height(), it.width(), it.channels()});
  Batches out;
  for (int b = 0; b < batches; ++b) {
    std::vector<std::int32_t> labels(batch_size, -1);
    const int k = it.next(dst, labels.data());
    std::vector<int> src;
    for (int i = 0; i < k; ++i) src.push_back(source_of(dst, i));
    labels.resize(k);
    out.sources.push_back(src);
    out.labels.push_back(labels);
  }
  return out;
}

std::vector<float> take_floats(BatchIterator& it, int batches, int batch_size, int pixel_stride = 0) {
  const int stride = pixel_stride ? pixel_stride : it.channels();
  const std::size_t image = std::size_t(it.height()) * it.width() * stride;
  std::vector<float> all(batches * batch_size * image, 0.f);
  std::vector<std::int32_t> labels(batch_size);
  for (int b = 0; b < batches; ++b) {
    const Tensor dst(all.data() + b * batch_size * image, {batch_size, it.height(), it.width(), it.channels()}, stride);
    it.next(dst, labels.data());
  }
  return all;
}

BatchIteratorConfig train_config(std::uint64_t seed) {
  BatchIteratorConfig config;
  config.seed = seed;
  config.purpose = "test/train";
  return config;
}

}  // namespace

TEST_CASE("every epoch visits every image once, in a fresh order") {
  const ImageSet set = tunas::test::indexed_image_set(30, 2, 2, 1, 3);
  BatchIterator it(set, {}, train_config(5));
  const Batches b = take(it, 12, 5);  // two epochs of 6 batches
  std::vector<int> epoch0, epoch1;
  for (int i = 0; i < 6; ++i) epoch0.insert(epoch0.end(), b.sources[i].begin(), b.sources[i].end());
  for (int i = 6; i < 12; ++i) epoch1.insert(epoch1.end(), b.sources[i].begin(), b.sources[i].end());
  CHECK(epoch0 != epoch1);
  for (auto* e : {&epoch0, &epoch1}) {
    std::vector<int> sorted = *e;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 30; ++i) CHECK(sorted[i] == i);
  }
  for (std::size_t i = 0; i < b.sources.size(); ++i)
    for (std::size_t k = 0; k < b.sources[i].size(); ++k) CHECK(b.labels[i][k] == b.sources[i][k] % 3);
  CHECK(it.state().epoch == 2);
  CHECK(it.state().position == 0);
}

TEST_CASE("batches are a pure function of the seed and purpose") {
  const ImageSet set = tunas::test::indexed_image_set(40, 2, 2, 1, 4);
  BatchIterator a(set, {}, train_config(11)), b(set, {}, train_config(11)), c(set, {}, train_config(12));
  BatchIteratorConfig other_purpose = train_config(11);
  other_purpose.purpose = "test/valid";
  BatchIterator d(set, {}, other_purpose);
  const Batches ba = take(a, 7, 8), bb = take(b, 7, 8), bc = take(c, 7, 8), bd = take(d, 7, 8);
  CHECK(ba.sources == bb.sources);
  CHECK(ba.sources != bc.sources);
  CHECK(ba.sources != bd.sources);
}

TEST_CASE("how the stream is cut into batches does not change it") {
  const ImageSet set = tunas::test::indexed_image_set(20, 2, 2, 1, 2);
  BatchIterator a(set, {}, train_config(3)), b(set, {}, train_config(3));
  const Batches small = take(a, 9, 4);   // 36 images, crossing an epoch boundary
  const Batches large = take(b, 3, 12);
  std::vector<int> flat_small, flat_large;
  for (auto& s : small.sources) flat_small.insert(flat_small.end(), s.begin(), s.end());
  for (auto& s : large.sources) flat_large.insert(flat_large.end(), s.begin(), s.end());
  CHECK(flat_small == flat_large);
}

TEST_CASE("without shuffling the order is the stored order") {
  const ImageSet set = tunas::test::indexed_image_set(6, 2, 2, 1, 2);
  BatchIteratorConfig config = train_config(1);
  config.shuffle = false;
  BatchIterator it(set, {}, config);
  const Batches b = take(it, 2, 4);
  CHECK(b.sources[0] == std::vector<int>{0, 1, 2, 3});
  CHECK(b.sources[1] == std::vector<int>{4, 5, 0, 1});
}

TEST_CASE("evaluation batches stop at the epoch end") {
  const ImageSet set = tunas::test::indexed_image_set(10, 2, 2, 1, 2);
  BatchIteratorConfig config;
  config.shuffle = false;
  config.augment = false;
  config.cross_epochs = false;
  BatchIterator it(set, {}, config);
  CHECK(it.batches_per_epoch(4) == 3);
  const Batches b = take(it, 4, 4);
  CHECK(b.sources[0] == std::vector<int>{0, 1, 2, 3});
  CHECK(b.sources[2] == std::vector<int>{8, 9});
  CHECK(b.sources[3] == std::vector<int>{0, 1, 2, 3});
  CHECK_THROWS_WITH_AS(it.batches_per_epoch(0), doctest::Contains("batch size 0"), Error);
}

TEST_CASE("augmented batches do not depend on the thread count") {
  SyntheticConfig sc;
  sc.train_count = 64;
  sc.test_count = 1;
  sc.height = sc.width = 12;
  const Dataset data = make_synthetic(sc);
  PreprocessConfig pre;
  pre.height = pre.width = 16;
  pre.channels = 3;
  pre.crop_padding = 3;
  pre.random_flip = true;
  std::vector<float> runs[3];
  int r = 0;
  for (int threads : {1, 2, 4}) {
    set_num_threads(threads);
    BatchIterator it(data.train, pre, train_config(9));
    runs[r++] = take_floats(it, 5, 24, /*pixel_stride=*/4);
  }
  set_num_threads(0);
  CHECK(runs[0] == runs[1]);
  CHECK(runs[0] == runs[2]);
  // Augmentation really happened: an eval iterator over the same order differs.
  BatchIteratorConfig no_aug = train_config(9);
  no_aug.augment = false;
  BatchIterator plain(data.train, pre, no_aug);
  CHECK(take_floats(plain, 5, 24, 4) != runs[0]);
}

TEST_CASE("save/restore through bytes reproduces the exact next batches") {
  SyntheticConfig sc;
  sc.train_count = 37;
  sc.test_count = 1;
  sc.height = sc.width = 8;
  const Dataset data = make_synthetic(sc);
  PreprocessConfig pre;
  pre.crop_padding = 2;
  pre.random_flip = true;
  BatchIterator it(data.train, pre, train_config(21));
  take_floats(it, 6, 10);  // mid-epoch 1
  const BatchIteratorState saved = it.state();
  CHECK(saved.epoch == 1);
  CHECK(saved.position == 23);
  const auto bytes = saved.to_bytes();
  const std::vector<float> expected = take_floats(it, 5, 10);

  BatchIterator resumed(data.train, pre, train_config(999));  // seed comes from the state
  resumed.restore(BatchIteratorState::from_bytes(bytes));
  CHECK(resumed.state() == saved);
  CHECK(take_floats(resumed, 5, 10) == expected);
  CHECK(resumed.state() == it.state());
}

TEST_CASE("bad iterator states and destinations are rejected") {
  const ImageSet set = tunas::test::indexed_image_set(10, 2, 2, 1, 2);
  BatchIterator it(set, {}, train_config(1));
  BatchIteratorState state = it.state();
  auto bytes = state.to_bytes();
  CHECK_THROWS_WITH_AS(BatchIteratorState::from_bytes(std::span(bytes).first(39)),
                       doctest::Contains("39 bytes, expected 40"), Error);
  bytes[0] ^= 1;
  CHECK_THROWS_WITH_AS(BatchIteratorState::from_bytes(bytes), doctest::Contains("wrong magic"), Error);
  state.dataset_size = 11;
  CHECK_THROWS_WITH_AS(it.restore(state), doctest::Contains("set of 11 images, this one has 10"), Error);
  state.dataset_size = 10;
  state.position = 10;
  CHECK_THROWS_WITH_AS(it.restore(state), doctest::Contains("saved position 10"), Error);

  std::vector<float> buffer(4 * 3 * 2 * 1);
  std::int32_t labels[4];
  CHECK_THROWS_WITH_AS(it.next(Tensor(buffer.data(), {4, 3, 2, 1}), labels),
                       doctest::Contains("must be 2x2x1"), Error);
  CHECK_THROWS_WITH_AS(it.next(Tensor(buffer.data(), {4, 2, 2, 1}), nullptr),
                       doctest::Contains("null label buffer"), Error);

  ImageSet empty = set;
  empty.pixels.clear();
  empty.labels.clear();
  CHECK_THROWS_WITH_AS(BatchIterator(empty, {}, train_config(1)), doctest::Contains("is empty"), Error);
}

TEST_CASE("next() allocates nothing after the first batch") {
  SyntheticConfig sc;
  sc.train_count = 50;
  sc.test_count = 1;
  const Dataset data = make_synthetic(sc);
  set_num_threads(1);  // TBB's own task bookkeeping is not ours to count
  BatchIterator it(data.train, proxy_preprocess(data.train, true), train_config(4));
  std::vector<float> buffer(16 * 32 * 32);
  std::vector<std::int32_t> labels(16);
  const Tensor dst(buffer.data(), {16, 32, 32, 1});
  it.next(dst, labels.data());
  long allocations = -1;
  {
    const tunas::test::AllocationCounter counter;
    for (int b = 0; b < 10; ++b) it.next(dst, labels.data());  // crosses 3 epoch boundaries
    allocations = counter.count();
  }
  set_num_threads(0);
  CHECK(allocations == 0);
  {  // the counter itself works
    const tunas::test::AllocationCounter counter;
    std::vector<int> v(3);
    CHECK(counter.count() == 1);
  }
  CHECK(it.state().epoch == 3);
}
