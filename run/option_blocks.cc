#include "run/option_blocks.h"

#include "datasets/load.h"

namespace tunas {

std::vector<std::string> dataset_choices() {
  std::vector<std::string> names;
  const std::string all = datasets::kDatasetNames;
  for (std::size_t start = 0; start < all.size();) {
    const std::size_t comma = all.find(", ", start);
    names.push_back(all.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? all.size() : comma + 2;
  }
  return names;
}

}  // namespace tunas
