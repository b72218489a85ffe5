// Loading a dataset by name, as a config file or command line names it.
#pragma once

#include <string>
#include <string_view>

#include "datasets/dataset.h"

namespace tunas::datasets {

// name: "fashion_mnist" (dir defaults to kFashionMnistDefaultDir), "cifar10" (dir required)
// or "synthetic" (SyntheticConfig defaults; dir must be empty). Throws tunas::Error on an
// unknown name (listing the valid ones) or any loader error.
Dataset load_dataset(std::string_view name, const std::string& dir = "");

}  // namespace tunas::datasets
