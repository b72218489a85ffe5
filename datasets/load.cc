#include "datasets/load.h"

#include <algorithm>

#include "core/error.h"
#include "datasets/cifar10.h"
#include "datasets/fashion_mnist.h"
#include "datasets/synthetic.h"

namespace tunas::datasets {

Dataset load_dataset(std::string_view name, const std::string& dir,
                     std::int64_t synthetic_train_count) {
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
  throw Error(str_cat("unknown dataset '", name, "'; valid names: fashion_mnist, cifar10, synthetic"));
}

}  // namespace tunas::datasets
