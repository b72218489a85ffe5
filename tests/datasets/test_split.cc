// The fixed-seed train/validation split and ImageSet helpers.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/error.h"
#include "datasets/dataset.h"
#include "tests/datasets/dataset_files.h"

using namespace tunas;
using namespace tunas::datasets;

TEST_CASE("split_indices is deterministic, disjoint, covering and sorted") {
  const SplitConfig config{300, kSplitSeed};
  const SplitIndices a = split_indices(1000, config);
  const SplitIndices b = split_indices(1000, config);
  CHECK(a.train == b.train);
  CHECK(a.validation == b.validation);
  CHECK(a.validation.size() == 300);
  CHECK(a.train.size() == 700);
  CHECK(std::is_sorted(a.train.begin(), a.train.end()));
  CHECK(std::is_sorted(a.validation.begin(), a.validation.end()));
  std::vector<int> seen(1000, 0);
  for (int i : a.train) seen[i]++;
  for (int i : a.validation) seen[i]++;
  CHECK(std::all_of(seen.begin(), seen.end(), [](int s) { return s == 1; }));
  // A permutation, not a prefix: validation images come from the whole range.
  CHECK(a.validation.front() < 100);
  CHECK(a.validation.back() > 900);
}

TEST_CASE("split_indices depends on the seed, and its prefix property holds") {
  const SplitIndices a = split_indices(1000, {300, kSplitSeed});
  const SplitIndices b = split_indices(1000, {300, kSplitSeed + 1});
  CHECK(a.validation != b.validation);
  // A smaller validation set is a subset of a larger one (same permutation prefix).
  const SplitIndices small = split_indices(1000, {100, kSplitSeed});
  CHECK(std::includes(a.validation.begin(), a.validation.end(), small.validation.begin(),
                      small.validation.end()));
}

TEST_CASE("split_indices rejects sizes that leave a part empty") {
  CHECK_THROWS_WITH_AS(split_indices(10, {0, kSplitSeed}), doctest::Contains("validation size 0"), Error);
  CHECK_THROWS_WITH_AS(split_indices(10, {10, kSplitSeed}), doctest::Contains("must be in [1, 9]"), Error);
  CHECK_THROWS_WITH_AS(split_indices(10, {-3, kSplitSeed}), doctest::Contains("validation size -3"), Error);
}

TEST_CASE("split_train_validation copies the right images and labels") {
  const ImageSet set = tunas::test::indexed_image_set(50, 2, 2, 1, 5);
  const SplitConfig config{12, kSplitSeed};
  const TrainValidationSplit split = split_train_validation(set, config);
  const SplitIndices idx = split_indices(50, config);
  CHECK(split.train.name == "indexed/search_train");
  CHECK(split.validation.name == "indexed/search_validation");
  REQUIRE(split.validation.size() == 12);
  REQUIRE(split.train.size() == 38);
  for (std::int64_t k = 0; k < 12; ++k) {
    CHECK(split.validation.image(k)[0] == idx.validation[k]);  // byte 0 encodes the index
    CHECK(split.validation.labels[k] == idx.validation[k] % 5);
  }
  for (std::int64_t k = 0; k < 38; ++k) CHECK(split.train.image(k)[0] == idx.train[k]);
  CHECK(split.train.class_names == set.class_names);
  split.train.validate();
  split.validation.validate();
}

TEST_CASE("subset rejects an out-of-range index") {
  const ImageSet set = tunas::test::indexed_image_set(4, 1, 1, 1, 2);
  const std::vector<std::int32_t> bad = {0, 4};
  CHECK_THROWS_WITH_AS(subset(set, bad, "x"), doctest::Contains("index 4 is outside [0, 4)"), Error);
}

TEST_CASE("ImageSet::validate names the set and the inconsistency") {
  ImageSet set = tunas::test::indexed_image_set(4, 2, 2, 1, 2);
  SUBCASE("pixel count") {
    set.pixels.pop_back();
    CHECK_THROWS_WITH_AS(set.validate(), doctest::Contains("'indexed': 15 pixel bytes"), Error);
  }
  SUBCASE("label range") {
    set.labels[2] = 2;
    CHECK_THROWS_WITH_AS(set.validate(), doctest::Contains("label 2 of image 2"), Error);
  }
  SUBCASE("class names") {
    set.class_names.pop_back();
    CHECK_THROWS_WITH_AS(set.validate(), doctest::Contains("1 class names for 2 classes"), Error);
  }
  SUBCASE("normalisation") {
    set.norm_std[0] = 0.f;
    CHECK_THROWS_WITH_AS(set.validate(), doctest::Contains("norm_std[0]"), Error);
    set.norm_mean.push_back(0.f);
    CHECK_THROWS_WITH_AS(set.validate(), doctest::Contains("normalisation constants"), Error);
  }
}

TEST_CASE("channel_stats matches a hand computation") {
  ImageSet set = tunas::test::indexed_image_set(2, 1, 2, 2, 1);
  set.pixels = {0, 10, 4, 10, 0, 10, 4, 10};  // channel 0: 0 4 0 4, channel 1: all 10
  const ChannelStats stats = channel_stats(set);
  CHECK(stats.mean == std::vector<float>{2.f, 10.f});
  CHECK(stats.std == std::vector<float>{2.f, 0.f});
}
