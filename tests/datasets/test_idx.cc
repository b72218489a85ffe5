// IDX and Fashion-MNIST directory loading: exact round trips and every bad-file error.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/error.h"
#include "datasets/fashion_mnist.h"
#include "datasets/idx.h"
#include "tests/datasets/dataset_files.h"

using namespace tunas;
using namespace tunas::datasets;
using tunas::test::IdxPair;
using tunas::test::TempDir;

namespace {
constexpr int kSide = kFashionMnistSide;

void check_matches(const ImageSet& set, const IdxPair& pair, const char* name) {
  CHECK(set.name == name);
  CHECK(set.height == kSide);
  CHECK(set.width == kSide);
  CHECK(set.channels == 1);
  CHECK(set.num_classes == 10);
  REQUIRE(set.class_names.size() == 10);
  CHECK(set.class_names[0] == "T-shirt/top");
  CHECK(set.class_names[9] == "Ankle boot");
  CHECK(set.norm_mean == std::vector<float>{kFashionMnistMean});
  CHECK(set.norm_std == std::vector<float>{kFashionMnistStd});
  CHECK(set.pixels == pair.images);
  REQUIRE(set.labels.size() == pair.labels.size());
  for (std::size_t i = 0; i < pair.labels.size(); ++i) CHECK(set.labels[i] == pair.labels[i]);
}
}  // namespace

TEST_CASE("read_idx_u8 reads gzipped and plain files exactly") {
  TempDir dir;
  const std::vector<std::uint8_t> data = {0, 1, 2, 254, 255, 7, 8, 9, 10, 11, 12, 13};
  for (bool gzip : {true, false}) {
    CAPTURE(gzip);
    const std::string path = dir.file(gzip ? "a.gz" : "a");
    tunas::test::write_file(path, tunas::test::idx_bytes({2, 3, 2}, data), gzip);
    const IdxArray array = read_idx_u8(path, 3);
    CHECK(array.dims == std::vector<std::uint32_t>{2, 3, 2});
    CHECK(array.data == data);
  }
}

TEST_CASE("load_fashion_mnist reads a generated directory, gzipped or plain") {
  const IdxPair train = tunas::test::random_idx_pair(7, kSide, kSide, 10, 1);
  const IdxPair test = tunas::test::random_idx_pair(3, kSide, kSide, 10, 2);
  for (bool gzip : {true, false}) {
    CAPTURE(gzip);
    TempDir dir;
    tunas::test::write_fashion_mnist_dir(dir.path(), train, test, kSide, kSide, gzip);
    const Dataset dataset = load_fashion_mnist(dir.path());
    check_matches(dataset.train, train, "fashion_mnist/train");
    check_matches(dataset.test, test, "fashion_mnist/test");
  }
}

TEST_CASE("load_fashion_mnist prefers the .gz file when both forms exist") {
  const IdxPair train = tunas::test::random_idx_pair(4, kSide, kSide, 10, 3);
  const IdxPair other = tunas::test::random_idx_pair(4, kSide, kSide, 10, 4);
  TempDir dir;
  tunas::test::write_fashion_mnist_dir(dir.path(), other, other, kSide, kSide, false);
  tunas::test::write_fashion_mnist_dir(dir.path(), train, train, kSide, kSide, true);
  check_matches(load_fashion_mnist(dir.path()).train, train, "fashion_mnist/train");
}

TEST_CASE("bad Fashion-MNIST directories and files give errors naming them") {
  const IdxPair train = tunas::test::random_idx_pair(5, kSide, kSide, 10, 5);
  const IdxPair test = tunas::test::random_idx_pair(2, kSide, kSide, 10, 6);
  TempDir dir;
  const std::string images = dir.file("train-images-idx3-ubyte.gz");
  const std::string labels = dir.file("train-labels-idx1-ubyte.gz");
  auto reset = [&] { tunas::test::write_fashion_mnist_dir(dir.path(), train, test, kSide, kSide, true); };
  auto write_images = [&](const std::vector<std::uint8_t>& bytes) {
    tunas::test::write_file(images, bytes, true);
  };

  SUBCASE("missing directory") {
    const std::string missing = dir.file("no_such_dir");
    CHECK_DATASET_ERROR(load_fashion_mnist(missing), missing, "does not exist");
  }
  SUBCASE("missing file") {
    reset();
    std::filesystem::remove(labels);
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), labels, "missing dataset file");
    CHECK_THROWS_WITH_AS(load_fashion_mnist(dir.path()),
                         doctest::Contains(dir.file("train-labels-idx1-ubyte").c_str()), Error);
  }
  SUBCASE("wrong magic: element type") {
    reset();
    std::vector<std::uint8_t> bytes = tunas::test::idx_bytes({5, kSide, kSide}, train.images);
    bytes[2] = 0x0D;  // float elements
    write_images(bytes);
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), images, "wrong IDX magic 0x00000d03");
  }
  SUBCASE("wrong magic: labels file where images are expected") {
    reset();
    write_images(tunas::test::idx_bytes({5}, train.labels));
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), images,
                        "wrong IDX magic 0x00000801, expected 0x00000803");
  }
  SUBCASE("wrong magic: not an IDX file at all") {
    reset();
    write_images({'h', 'e', 'l', 'l', 'o', '!', '!', '!'});
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), images, "wrong IDX magic");
  }
  SUBCASE("wrong image dimensions") {
    reset();
    const IdxPair small = tunas::test::random_idx_pair(5, 27, kSide, 10, 7);
    write_images(tunas::test::idx_bytes({5, 27, kSide}, small.images));
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), images,
                        "wrong image dimensions 27x28, expected 28x28");
  }
  SUBCASE("zero dimension") {
    reset();
    write_images(tunas::test::idx_bytes({5, 0, kSide}, {}));
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), images, "IDX dimension 1 is 0");
  }
  SUBCASE("truncated header") {
    reset();
    write_images({0, 0, 8, 3, 0, 0});
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), images, "truncated IDX header");
  }
  SUBCASE("truncated data, gzipped") {
    reset();
    std::vector<std::uint8_t> short_data(train.images.begin(), train.images.end() - 10);
    write_images(tunas::test::idx_bytes({5, kSide, kSide}, short_data));
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), images,
                        "truncated IDX data: expected 3920 bytes, got 3910");
  }
  SUBCASE("truncated data, plain file") {
    TempDir plain;
    tunas::test::write_fashion_mnist_dir(plain.path(), train, test, kSide, kSide, false);
    const std::string plain_labels = plain.file("t10k-labels-idx1-ubyte");
    tunas::test::write_file(plain_labels, tunas::test::idx_bytes({3}, test.labels), false);
    CHECK_DATASET_ERROR(load_fashion_mnist(plain.path()), plain_labels,
                        "truncated IDX data: expected 3 bytes, got 2");
  }
  SUBCASE("gzip stream cut in the middle") {
    reset();
    write_images(tunas::test::idx_bytes({5, kSide, kSide}, train.images));
    const auto full = std::filesystem::file_size(images);
    std::filesystem::resize_file(images, full / 2);
    CHECK_THROWS_WITH_AS(load_fashion_mnist(dir.path()), doctest::Contains(images.c_str()), Error);
  }
  SUBCASE("extra bytes after the data") {
    reset();
    std::vector<std::uint8_t> long_data = train.images;
    long_data.push_back(1);
    write_images(tunas::test::idx_bytes({5, kSide, kSide}, long_data));
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), images, "extra bytes after the 3920");
  }
  SUBCASE("image/label count mismatch") {
    reset();
    std::vector<std::uint8_t> four(train.labels.begin(), train.labels.end() - 1);
    tunas::test::write_file(labels, tunas::test::idx_bytes({4}, four), true);
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), labels, "image/label count mismatch");
    CHECK_THROWS_WITH_AS(load_fashion_mnist(dir.path()), doctest::Contains(images.c_str()), Error);
  }
  SUBCASE("label out of range") {
    reset();
    std::vector<std::uint8_t> bad = train.labels;
    bad[3] = 10;
    tunas::test::write_file(labels, tunas::test::idx_bytes({5}, bad), true);
    CHECK_DATASET_ERROR(load_fashion_mnist(dir.path()), labels,
                        "label 10 of image 3 is outside [0, 10)");
  }
}
