// Labelled image sets held in memory, and the search's train/validation split (spec §6.1).
//
// An ImageSet owns uint8 pixels in [0, 255], image after image, each image HWC
// (channels fastest): pixel (i, y, x, c) is pixels[((i * height + y) * width + x) * channels + c].
// It also carries per-channel normalisation constants (norm_mean, norm_std, in the same
// [0, 255] units as the pixels) that the loaders set to the dataset's usual values.
//
// The split: the official training set is permuted with a FIXED seed (kSplitSeed unless the
// caller says otherwise) and the first validation_size images of that permutation become the
// search-validation set (the reward data); the rest is the search-train set. The official
// test set is only for the final stand-alone evaluation. Same inputs, same split, on every
// machine and thread count.
//
// On-disk sets (image folders, file lists; image_folder.h) hold no pixels: `on_disk` is true,
// height and width are 0 (every photograph has its own size), channels is 3 (every image is
// decoded to RGB), and file(i) names image i; the batch iterator streams and decodes them.
//
// Thread-safety: an ImageSet is a plain value; concurrent reads are safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tunas::datasets {

// The most classes a data set may have: the classifier head alone is then 1280 x 65536 floats
// (335 MB), and a file list's largest label cannot make a loader build millions of names.
inline constexpr int kMaxClasses = 65536;

struct ImageSet {
  std::string name;  // e.g. "fashion_mnist/train"; used in error messages
  int height = 0, width = 0, channels = 0;
  int num_classes = 0;
  std::vector<std::string> class_names;  // num_classes entries
  std::vector<float> norm_mean;          // channels entries, pixel units
  std::vector<float> norm_std;           // channels entries, pixel units, > 0
  std::vector<std::uint8_t> pixels;      // size() * image_bytes()
  std::vector<std::int32_t> labels;      // size() entries in [0, num_classes)
  bool on_disk = false;                  // images are files, not pixels (see above)
  std::string file_root;                 // on-disk sets: directory the relative paths start from
  std::vector<std::string> files;        // on-disk sets: size() paths, relative to file_root
                                         // unless absolute
  bool skip_corrupt = false;             // on-disk sets: replace an unreadable image (with a
                                         // warning and a count) instead of failing

  std::int64_t size() const { return std::int64_t(labels.size()); }
  std::int64_t image_bytes() const { return std::int64_t(height) * width * channels; }
  const std::uint8_t* image(std::int64_t index) const {
    return pixels.data() + index * image_bytes();
  }
  // On-disk sets: the path of image `index` (file_root joined with files[index]).
  std::string file(std::int64_t index) const;
  // Throws tunas::Error naming the set when any field disagrees with another (pixel count,
  // label range, class names, normalisation constants).
  void validate() const;
};

// The official splits of a dataset as stored on disk.
struct Dataset {
  ImageSet train;
  ImageSet test;
};

// Copies images `indices` (in that order) into a new set with the same metadata, named
// `name`. Throws tunas::Error on an index out of range.
ImageSet subset(const ImageSet& src, std::span<const std::int32_t> indices, std::string name);

// The fixed permutation seed of the search split. Changing it changes every search result.
inline constexpr std::uint64_t kSplitSeed = 0x7475'6e61'7353'706cull;  // "tunasSpl"
// Default validation size: 10 000 images (1/6 of Fashion-MNIST's train set, 1/5 of
// CIFAR-10's); the search reward is a noisy estimate, so more validation data helps.
inline constexpr std::int64_t kDefaultValidationSize = 10000;

struct SplitConfig {
  std::int64_t validation_size = kDefaultValidationSize;
  std::uint64_t seed = kSplitSeed;
};

// Index lists of the split; each list is sorted ascending, together they cover [0, count)
// exactly once. Throws tunas::Error unless 0 < validation_size < count.
struct SplitIndices {
  std::vector<std::int32_t> train;
  std::vector<std::int32_t> validation;
};
SplitIndices split_indices(std::int64_t count, const SplitConfig& config);

// The split applied to an official training set: "<name>/search_train" and
// "<name>/search_validation".
struct TrainValidationSplit {
  ImageSet train;
  ImageSet validation;
};
// How many of `train_count` training images a run holds out for validation: the requested
// count, at most a fifth of the set (a small or synthetic set still trains on 80 %).
std::int64_t held_out_count(std::int64_t requested, std::int64_t train_count);

TrainValidationSplit split_train_validation(const ImageSet& official_train,
                                            const SplitConfig& config = {});

// Per-channel mean and (population) standard deviation of all pixels, in pixel units.
// Throws tunas::Error for an on-disk set (its pixels are not in memory).
struct ChannelStats {
  std::vector<float> mean;
  std::vector<float> std;
};
ChannelStats channel_stats(const ImageSet& set);

}  // namespace tunas::datasets
