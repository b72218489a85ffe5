// Loading a dataset by name, as a config file or command line names it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "datasets/dataset.h"

namespace tunas::datasets {

// name: "fashion_mnist" (dir defaults to kFashionMnistDefaultDir), "cifar10" (dir required)
// or "synthetic" (SyntheticConfig defaults; dir must be empty). Throws tunas::Error on an
// unknown name (listing the valid ones) or any loader error.
// synthetic_train_count > 0 sizes the synthetic set (train that many, test max(10, n/5));
// 0 keeps SyntheticConfig's defaults. Ignored for the other datasets.
Dataset load_dataset(std::string_view name, const std::string& dir = "",
                     std::int64_t synthetic_train_count = 0);

}  // namespace tunas::datasets
