// Loading a dataset by name, as a config file or command line names it.
//
// Valid names (kDatasetNames): fashion_mnist, cifar10, synthetic, imagefolder, filelist.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "datasets/dataset.h"

namespace tunas::datasets {

inline constexpr const char* kDatasetNames = "fashion_mnist, cifar10, synthetic, imagefolder, filelist";

// name: "fashion_mnist" (dir defaults to kFashionMnistDefaultDir), "cifar10" (dir required)
// or "synthetic" (SyntheticConfig defaults; dir must be empty). Throws tunas::Error on an
// unknown name (listing the valid ones) or any loader error.
// synthetic_train_count > 0 sizes the synthetic set (train that many, test max(10, n/5));
// 0 keeps SyntheticConfig's defaults. Ignored for the other datasets.
Dataset load_dataset(std::string_view name, const std::string& dir = "",
                     std::int64_t synthetic_train_count = 0);

// Also "imagefolder" and "filelist" (on-disk photographs, image_folder.h; dir required).
struct DataOptions {
  std::int64_t synthetic_train_count = 0;  // as above
  int num_classes = 0;                     // on-disk sets: 0 = the classes found (1001: spec §0)
  bool skip_corrupt = true;                // on-disk sets: replace unreadable images (image_stream.h)
};
Dataset load_dataset(std::string_view name, const std::string& dir, const DataOptions& options);

// Whether `name` is one of kDatasetNames.
bool is_dataset_name(std::string_view name);

}  // namespace tunas::datasets
