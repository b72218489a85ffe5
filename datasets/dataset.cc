#include "datasets/dataset.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/rng.h"

namespace tunas::datasets {

std::string ImageSet::file(std::int64_t index) const {
  const std::string& f = files[std::size_t(index)];
  if (file_root.empty() || (!f.empty() && f[0] == '/')) return f;
  return file_root + "/" + f;
}

void ImageSet::validate() const {
  if (on_disk) {
    TUNAS_REQUIRE(channels == 3 && pixels.empty() && files.size() == labels.size(), "image set '",
                  name, "': an on-disk set needs 3 channels, no pixels and one file per label (",
                  channels, " channels, ", pixels.size(), " pixel bytes, ", files.size(),
                  " files, ", labels.size(), " labels)");
  } else {
    TUNAS_REQUIRE(height > 0 && width > 0 && channels > 0, "image set '", name,
                  "': image shape ", height, "x", width, "x", channels, " must be positive");
  }
  TUNAS_REQUIRE(num_classes > 0, "image set '", name, "': num_classes ", num_classes,
                " must be positive");
  TUNAS_REQUIRE(std::int64_t(class_names.size()) == num_classes, "image set '", name, "': ",
                class_names.size(), " class names for ", num_classes, " classes");
  TUNAS_REQUIRE(std::int64_t(pixels.size()) == size() * image_bytes(), "image set '", name,
                "': ", pixels.size(), " pixel bytes for ", size(), " images of ", image_bytes(),
                " bytes");
  TUNAS_REQUIRE(std::int64_t(norm_mean.size()) == channels &&
                    std::int64_t(norm_std.size()) == channels,
                "image set '", name, "': normalisation constants for ", norm_mean.size(), "/",
                norm_std.size(), " channels, expected ", channels);
  for (int c = 0; c < channels; ++c) {
    TUNAS_REQUIRE(norm_std[c] > 0.f, "image set '", name, "': norm_std[", c, "] = ",
                  norm_std[c], " must be positive");
  }
  for (std::int64_t i = 0; i < size(); ++i) {
    TUNAS_REQUIRE(labels[i] >= 0 && labels[i] < num_classes, "image set '", name, "': label ",
                  labels[i], " of image ", i, " is outside [0, ", num_classes, ")");
  }
}

ImageSet subset(const ImageSet& src, std::span<const std::int32_t> indices, std::string name) {
  ImageSet dst;
  dst.name = std::move(name);
  dst.height = src.height;
  dst.width = src.width;
  dst.channels = src.channels;
  dst.num_classes = src.num_classes;
  dst.class_names = src.class_names;
  dst.norm_mean = src.norm_mean;
  dst.norm_std = src.norm_std;
  dst.on_disk = src.on_disk;
  dst.file_root = src.file_root;
  dst.skip_corrupt = src.skip_corrupt;
  if (src.on_disk) dst.files.resize(indices.size());
  const std::int64_t bytes = src.image_bytes();
  dst.pixels.resize(indices.size() * bytes);
  dst.labels.resize(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const std::int32_t i = indices[k];
    TUNAS_REQUIRE(i >= 0 && i < src.size(), "subset of '", src.name, "': index ", i,
                  " is outside [0, ", src.size(), ")");
    if (src.on_disk) dst.files[k] = src.files[std::size_t(i)];
    else std::copy_n(src.image(i), bytes, dst.pixels.data() + k * bytes);
    dst.labels[k] = src.labels[i];
  }
  return dst;
}

SplitIndices split_indices(std::int64_t count, const SplitConfig& config) {
  TUNAS_REQUIRE(config.validation_size > 0 && config.validation_size < count,
                "split: validation size ", config.validation_size, " must be in [1, ", count - 1,
                "] for a training set of ", count, " images");
  TUNAS_REQUIRE(count <= std::int64_t(INT32_MAX), "split: ", count, " images exceed int32");
  std::vector<std::int32_t> perm(count);
  std::iota(perm.begin(), perm.end(), 0);
  // Fisher-Yates, from the back, with the fixed split stream.
  Rng rng(config.seed, stream_id("datasets/split"));
  for (std::int64_t i = count - 1; i > 0; --i) {
    std::swap(perm[i], perm[rng.uniform_int(std::uint32_t(i + 1))]);
  }
  SplitIndices split;
  split.validation.assign(perm.begin(), perm.begin() + config.validation_size);
  split.train.assign(perm.begin() + config.validation_size, perm.end());
  // Sorted lists keep the stored order inside each part (the iterator shuffles anyway).
  std::sort(split.validation.begin(), split.validation.end());
  std::sort(split.train.begin(), split.train.end());
  return split;
}

std::int64_t held_out_count(std::int64_t requested, std::int64_t train_count) {
  return std::min(requested, train_count / 5);
}

TrainValidationSplit split_train_validation(const ImageSet& official_train,
                                            const SplitConfig& config) {
  const SplitIndices idx = split_indices(official_train.size(), config);
  return {subset(official_train, idx.train, official_train.name + "/search_train"),
          subset(official_train, idx.validation, official_train.name + "/search_validation")};
}

ChannelStats channel_stats(const ImageSet& set) {
  TUNAS_REQUIRE(!set.on_disk, "channel_stats of '", set.name,
                "': the set is on disk (its images are decoded only while streaming)");
  const int channels = set.channels;
  std::vector<double> sum(channels, 0.0), sum_sq(channels, 0.0);
  const std::int64_t pixel_count = std::int64_t(set.pixels.size()) / std::max(channels, 1);
  for (std::int64_t p = 0; p < pixel_count; ++p) {
    for (int c = 0; c < channels; ++c) {
      const double v = set.pixels[p * channels + c];
      sum[c] += v;
      sum_sq[c] += v * v;
    }
  }
  ChannelStats stats;
  for (int c = 0; c < channels; ++c) {
    const double n = double(std::max<std::int64_t>(pixel_count, 1));
    const double mean = sum[c] / n;
    stats.mean.push_back(float(mean));
    stats.std.push_back(float(std::sqrt(std::max(sum_sq[c] / n - mean * mean, 0.0))));
  }
  return stats;
}

}  // namespace tunas::datasets
