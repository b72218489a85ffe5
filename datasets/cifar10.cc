#include "datasets/cifar10.h"

#include <filesystem>

#include "core/error.h"
#include "datasets/file_reader.h"

namespace tunas::datasets {

namespace {
const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}
}  // namespace

ImageSet read_cifar10_files(const std::vector<std::string>& paths, const std::string& name) {
  constexpr int kPlane = kCifar10Side * kCifar10Side;
  ImageSet set;
  set.name = name;
  set.height = set.width = kCifar10Side;
  set.channels = 3;
  set.class_names = cifar10_class_names();
  set.num_classes = int(set.class_names.size());
  set.norm_mean.assign(std::begin(kCifar10Mean), std::end(kCifar10Mean));
  set.norm_std.assign(std::begin(kCifar10Std), std::end(kCifar10Std));
  std::vector<std::uint8_t> bytes;
  for (const std::string& path : paths) {
    bytes.clear();
    GzFile(path).read_to_end(bytes);
    TUNAS_REQUIRE(!bytes.empty() && bytes.size() % kCifar10RecordBytes == 0, path, ": size ",
                  bytes.size(), " bytes is not a positive multiple of the ", kCifar10RecordBytes,
                  "-byte CIFAR-10 record");
    const std::size_t records = bytes.size() / kCifar10RecordBytes;
    const std::size_t first_pixel = set.pixels.size();
    set.pixels.resize(first_pixel + records * 3 * kPlane);
    for (std::size_t r = 0; r < records; ++r) {
      const std::uint8_t* record = bytes.data() + r * kCifar10RecordBytes;
      TUNAS_REQUIRE(record[0] < set.num_classes, path, ": label ", int(record[0]), " of record ",
                    r, " is outside [0, ", set.num_classes, ")");
      set.labels.push_back(record[0]);
      std::uint8_t* dst = set.pixels.data() + first_pixel + r * 3 * kPlane;
      for (int p = 0; p < kPlane; ++p) {
        for (int c = 0; c < 3; ++c) dst[p * 3 + c] = record[1 + c * kPlane + p];
      }
    }
  }
  set.validate();
  return set;
}

Dataset load_cifar10(const std::string& dir) {
  require_directory(dir, "CIFAR-10");
  std::filesystem::path root(dir);
  std::error_code ec;
  if (!std::filesystem::exists(root / "test_batch.bin", ec) &&
      std::filesystem::is_directory(root / "cifar-10-batches-bin", ec)) {
    root /= "cifar-10-batches-bin";
  }
  std::vector<std::string> train_paths;
  for (int b = 1; b <= 5; ++b) train_paths.push_back((root / str_cat("data_batch_", b, ".bin")).string());
  Dataset dataset;
  dataset.train = read_cifar10_files(train_paths, "cifar10/train");
  dataset.test = read_cifar10_files({(root / "test_batch.bin").string()}, "cifar10/test");
  return dataset;
}

}  // namespace tunas::datasets
