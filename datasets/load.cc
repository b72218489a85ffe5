#include "datasets/load.h"

#include "core/error.h"
#include "datasets/cifar10.h"
#include "datasets/fashion_mnist.h"
#include "datasets/synthetic.h"

namespace tunas::datasets {

Dataset load_dataset(std::string_view name, const std::string& dir) {
  if (name == "fashion_mnist") return load_fashion_mnist(dir.empty() ? kFashionMnistDefaultDir : dir);
  if (name == "cifar10") {
    TUNAS_REQUIRE(!dir.empty(), "dataset 'cifar10' needs a data directory");
    return load_cifar10(dir);
  }
  if (name == "synthetic") {
    TUNAS_REQUIRE(dir.empty(), "dataset 'synthetic' is generated and takes no directory (got '",
                  dir, "')");
    return make_synthetic({});
  }
  throw Error(str_cat("unknown dataset '", name, "'; valid names: fashion_mnist, cifar10, synthetic"));
}

}  // namespace tunas::datasets
