#include "datasets/load.h"

#include <algorithm>

#include "core/error.h"
#include "datasets/cifar10.h"
#include "datasets/fashion_mnist.h"
#include "datasets/image_folder.h"
#include "datasets/synthetic.h"

namespace tunas::datasets {

bool is_dataset_name(std::string_view name) {
  for (const char* known : {"fashion_mnist", "cifar10", "synthetic", "imagefolder", "filelist"})
    if (name == known) return true;
  return false;
}

Dataset load_dataset(std::string_view name, const std::string& dir,
                     std::int64_t synthetic_train_count) {
  DataOptions options;
  options.synthetic_train_count = synthetic_train_count;
  return load_dataset(name, dir, options);
}

Dataset load_dataset(std::string_view name, const std::string& dir, const DataOptions& options) {
  const std::int64_t synthetic_train_count = options.synthetic_train_count;
  if (name == "imagefolder" || name == "filelist") {
    TUNAS_REQUIRE(!dir.empty(), "dataset '", name, "' needs a data directory (--data-dir)");
    const ImageFolderOptions folder{options.num_classes, options.skip_corrupt};
    return name == "imagefolder" ? load_image_folder(dir, folder) : load_image_list(dir, folder);
  }
  TUNAS_REQUIRE(options.num_classes == 0, "num_classes ", options.num_classes,
                " applies to on-disk sets (imagefolder, filelist) only, not '", name, "'");
  if (name == "fashion_mnist") return load_fashion_mnist(dir.empty() ? kFashionMnistDefaultDir : dir);
  if (name == "cifar10") {
    TUNAS_REQUIRE(!dir.empty(), "dataset 'cifar10' needs a data directory");
    return load_cifar10(dir);
  }
  if (name == "synthetic") {
    TUNAS_REQUIRE(dir.empty(), "dataset 'synthetic' is generated and takes no directory (got '",
                  dir, "')");
    SyntheticConfig config;
    if (synthetic_train_count > 0) {
      config.train_count = synthetic_train_count;
      config.test_count = std::max<std::int64_t>(10, synthetic_train_count / 5);
    }
    return make_synthetic(config);
  }
  throw Error(str_cat("unknown dataset '", name, "'; valid names: ", kDatasetNames));
}

}  // namespace tunas::datasets
