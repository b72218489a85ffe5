// CIFAR-10 binary loading: CHW records to HWC images, the archive layout, bad files.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/error.h"
#include "core/rng.h"
#include "datasets/cifar10.h"
#include "tests/datasets/dataset_files.h"

using namespace tunas;
using namespace tunas::datasets;
using tunas::test::TempDir;

namespace {
constexpr int kPlane = 32 * 32;

struct Records {
  std::vector<std::uint8_t> labels;
  std::vector<std::vector<std::uint8_t>> planes;  // CHW per record
  std::vector<std::uint8_t> bytes() const { return tunas::test::cifar10_bytes(labels, planes); }
};

Records random_records(int count, std::uint64_t seed) {
  Rng rng(seed, stream_id("tests/datasets/cifar"));
  Records r;
  for (int i = 0; i < count; ++i) {
    r.labels.push_back(std::uint8_t(rng.uniform_int(10)));
    std::vector<std::uint8_t> planes(3 * kPlane);
    for (auto& b : planes) b = std::uint8_t(rng.uniform_int(256));
    r.planes.push_back(planes);
  }
  return r;
}

// Independent oracle: pixel (y, x, c) of record r is planes[r][c * 1024 + y * 32 + x].
void check_hwc(const ImageSet& set, std::int64_t first, const Records& r) {
  for (std::size_t i = 0; i < r.labels.size(); ++i) {
    CHECK(set.labels[first + i] == r.labels[i]);
    const std::uint8_t* img = set.image(first + std::int64_t(i));
    int mismatches = 0;
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x)
        for (int c = 0; c < 3; ++c)
          mismatches += img[(y * 32 + x) * 3 + c] != r.planes[i][c * kPlane + y * 32 + x];
    CHECK(mismatches == 0);
  }
}

void write_all(const std::string& dir, const std::vector<Records>& train, const Records& test) {
  for (int b = 0; b < 5; ++b) {
    tunas::test::write_file(dir + "/data_batch_" + std::to_string(b + 1) + ".bin", train[b].bytes(), false);
  }
  tunas::test::write_file(dir + "/test_batch.bin", test.bytes(), false);
}
}  // namespace

TEST_CASE("load_cifar10 converts CHW records to HWC, batches in order") {
  std::vector<Records> train;
  for (int b = 0; b < 5; ++b) train.push_back(random_records(2 + b % 2, 10 + b));
  const Records test = random_records(3, 20);
  for (bool archive_layout : {false, true}) {
    CAPTURE(archive_layout);
    TempDir dir;
    std::string data_dir = dir.path();
    if (archive_layout) {
      data_dir += "/cifar-10-batches-bin";
      std::filesystem::create_directories(data_dir);
    }
    write_all(data_dir, train, test);
    const Dataset dataset = load_cifar10(dir.path());
    CHECK(dataset.train.name == "cifar10/train");
    CHECK(dataset.train.height == 32);
    CHECK(dataset.train.channels == 3);
    CHECK(dataset.train.class_names.at(9) == "truck");
    CHECK(dataset.train.norm_mean.size() == 3);
    REQUIRE(dataset.train.size() == 2 + 3 + 2 + 3 + 2);
    std::int64_t first = 0;
    for (const Records& r : train) {
      check_hwc(dataset.train, first, r);
      first += std::int64_t(r.labels.size());
    }
    REQUIRE(dataset.test.size() == 3);
    check_hwc(dataset.test, 0, test);
  }
}

TEST_CASE("a hand-made CIFAR-10 record lands at the right HWC bytes") {
  Records r;
  r.labels = {7};
  r.planes.assign(1, std::vector<std::uint8_t>(3 * kPlane, 0));
  r.planes[0][0 * kPlane + 1 * 32 + 2] = 11;  // R at (1, 2)
  r.planes[0][1 * kPlane + 1 * 32 + 2] = 22;  // G at (1, 2)
  r.planes[0][2 * kPlane + 31 * 32 + 31] = 33;  // B at (31, 31)
  TempDir dir;
  tunas::test::write_file(dir.file("one.bin"), r.bytes(), false);
  const ImageSet set = read_cifar10_files({dir.file("one.bin")}, "one");
  CHECK(set.labels[0] == 7);
  CHECK(set.pixels[(1 * 32 + 2) * 3 + 0] == 11);
  CHECK(set.pixels[(1 * 32 + 2) * 3 + 1] == 22);
  CHECK(set.pixels[(31 * 32 + 31) * 3 + 2] == 33);
  int nonzero = 0;
  for (auto p : set.pixels) nonzero += p != 0;
  CHECK(nonzero == 3);
}

TEST_CASE("bad CIFAR-10 files give errors naming them") {
  std::vector<Records> train;
  for (int b = 0; b < 5; ++b) train.push_back(random_records(2, 30 + b));
  const Records test = random_records(2, 40);
  TempDir dir;
  write_all(dir.path(), train, test);
  const std::string batch3 = dir.file("data_batch_3.bin");

  SUBCASE("missing directory") {
    const std::string missing = dir.file("nowhere");
    CHECK_DATASET_ERROR(load_cifar10(missing), missing, "does not exist");
  }
  SUBCASE("missing file") {
    std::filesystem::remove(batch3);
    CHECK_DATASET_ERROR(load_cifar10(dir.path()), batch3, "cannot open");
  }
  SUBCASE("size not a multiple of 3073") {
    std::vector<std::uint8_t> bytes = train[2].bytes();
    bytes.pop_back();
    tunas::test::write_file(batch3, bytes, false);
    CHECK_DATASET_ERROR(load_cifar10(dir.path()), batch3,
                        "size 6145 bytes is not a positive multiple of the 3073-byte");
  }
  SUBCASE("empty file") {
    tunas::test::write_file(batch3, {}, false);
    CHECK_DATASET_ERROR(load_cifar10(dir.path()), batch3, "size 0 bytes");
  }
  SUBCASE("label out of range") {
    Records bad = train[2];
    bad.labels[1] = 10;
    tunas::test::write_file(batch3, bad.bytes(), false);
    CHECK_DATASET_ERROR(load_cifar10(dir.path()), batch3, "label 10 of record 1 is outside [0, 10)");
  }
}

TEST_CASE("a CIFAR-10 file larger than read_to_end's first chunks reads whole, plain and gzip") {
  // 40 records = 122,920 bytes: read_to_end's chunks of 16, 32 and 64 KiB, then a short one.
  const Records r = random_records(40, 50);
  for (bool gzip : {false, true}) {
    CAPTURE(gzip);
    TempDir dir;
    tunas::test::write_file(dir.file("batch.bin"), r.bytes(), gzip);
    const ImageSet set = read_cifar10_files({dir.file("batch.bin")}, "large");
    REQUIRE(set.size() == 40);
    check_hwc(set, 0, r);
  }
}
