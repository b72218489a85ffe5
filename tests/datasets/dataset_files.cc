#include "tests/datasets/dataset_files.h"

#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "core/error.h"
#include "core/rng.h"

namespace tunas::test {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  const auto dir = std::filesystem::temp_directory_path() /
                   str_cat("tunas_datasets_", ::getpid(), "_", counter++);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  path_ = dir.string();
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<std::uint8_t> idx_bytes(const std::vector<std::uint32_t>& dims,
                                    const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> bytes = {0, 0, 0x08, std::uint8_t(dims.size())};
  for (std::uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) bytes.push_back(std::uint8_t(d >> s));
  }
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes, bool gzip) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot create " + path);
    if (!bytes.empty() && gzwrite(f, bytes.data(), unsigned(bytes.size())) != int(bytes.size())) {
      gzclose(f);
      throw std::runtime_error("gzwrite failed for " + path);
    }
    gzclose(f);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

IdxPair random_idx_pair(int count, int rows, int cols, int num_classes, std::uint64_t seed) {
  Rng rng(seed, stream_id("tests/datasets/idx_pair"));
  IdxPair pair;
  for (int i = 0; i < count * rows * cols; ++i) pair.images.push_back(std::uint8_t(rng.uniform_int(256)));
  for (int i = 0; i < count; ++i) pair.labels.push_back(std::uint8_t(rng.uniform_int(num_classes)));
  return pair;
}

void write_fashion_mnist_dir(const std::string& dir, const IdxPair& train, const IdxPair& test,
                             int rows, int cols, bool gzip) {
  const std::string ext = gzip ? ".gz" : "";
  auto dims = [&](const IdxPair& p) {
    return std::vector<std::uint32_t>{std::uint32_t(p.labels.size()), std::uint32_t(rows),
                                      std::uint32_t(cols)};
  };
  write_file(dir + "/train-images-idx3-ubyte" + ext, idx_bytes(dims(train), train.images), gzip);
  write_file(dir + "/train-labels-idx1-ubyte" + ext,
             idx_bytes({std::uint32_t(train.labels.size())}, train.labels), gzip);
  write_file(dir + "/t10k-images-idx3-ubyte" + ext, idx_bytes(dims(test), test.images), gzip);
  write_file(dir + "/t10k-labels-idx1-ubyte" + ext,
             idx_bytes({std::uint32_t(test.labels.size())}, test.labels), gzip);
}

std::vector<std::uint8_t> cifar10_bytes(const std::vector<std::uint8_t>& labels,
                                        const std::vector<std::vector<std::uint8_t>>& planes) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t r = 0; r < labels.size(); ++r) {
    bytes.push_back(labels[r]);
    bytes.insert(bytes.end(), planes[r].begin(), planes[r].end());
  }
  return bytes;
}

datasets::ImageSet indexed_image_set(int count, int h, int w, int c, int num_classes) {
  datasets::ImageSet set;
  set.name = "indexed";
  set.height = h;
  set.width = w;
  set.channels = c;
  set.num_classes = num_classes;
  for (int k = 0; k < num_classes; ++k) set.class_names.push_back(str_cat("c", k));
  set.norm_mean.assign(c, 0.f);
  set.norm_std.assign(c, 1.f);
  const int bytes = h * w * c;
  for (int i = 0; i < count; ++i) {
    for (int p = 0; p < bytes; ++p) {
      set.pixels.push_back(std::uint8_t(p == 0 ? i & 255 : p == 1 ? i >> 8 : (i + p) & 255));
    }
    set.labels.push_back(i % num_classes);
  }
  set.validate();
  return set;
}

}  // namespace tunas::test
