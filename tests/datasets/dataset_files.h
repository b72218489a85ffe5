// Test helpers that write small dataset files (IDX gzipped or plain, CIFAR-10 binary) into a
// temporary directory that is removed with its contents at the end of the test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace tunas::test {

class TempDir {
 public:
  TempDir();  // a fresh, empty directory under the system temp dir
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The bytes of an unsigned-byte IDX file: magic 0x0000 08 <dims.size()>, big-endian dims,
// then data (written as given, even when it disagrees with dims).
std::vector<std::uint8_t> idx_bytes(const std::vector<std::uint32_t>& dims,
                                    const std::vector<std::uint8_t>& data);
// Writes bytes to path, gzip-compressed with zlib when gzip is true.
void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes, bool gzip);

// A small random grey image set (values 0..255, labels 0..num_classes-1).
struct IdxPair {
  std::vector<std::uint8_t> images;  // count * rows * cols
  std::vector<std::uint8_t> labels;  // count
};
IdxPair random_idx_pair(int count, int rows, int cols, int num_classes, std::uint64_t seed);

// Writes the four Fashion-MNIST files (train/t10k images and labels) into dir.
void write_fashion_mnist_dir(const std::string& dir, const IdxPair& train, const IdxPair& test,
                             int rows, int cols, bool gzip);

// CIFAR-10 records: label byte then R, G, B planes of 32x32; planes[r] is 3*1024 bytes.
std::vector<std::uint8_t> cifar10_bytes(const std::vector<std::uint8_t>& labels,
                                        const std::vector<std::vector<std::uint8_t>>& planes);

// A set of `count` images of h x w x c whose pixel bytes encode the image index
// (byte 0 = index & 255, byte 1 = index >> 8, the rest = (index + p) & 255), mean 0, std 1,
// labels index % num_classes. Lets a test read back which image landed in a batch slot.
datasets::ImageSet indexed_image_set(int count, int h, int w, int c, int num_classes);

}  // namespace tunas::test

// The expression throws tunas::Error whose message names `file` and contains `reason`.
#define CHECK_DATASET_ERROR(expr, file, reason)                                         \
  do {                                                                                 \
    CHECK_THROWS_WITH_AS(expr, doctest::Contains(std::string(file).c_str()), tunas::Error); \
    CHECK_THROWS_WITH_AS(expr, doctest::Contains(reason), tunas::Error);               \
  } while (0)
