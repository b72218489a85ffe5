#include "supernet/path_weights.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/error.h"

namespace tunas::supernet {

namespace {

std::string shape_text(const std::vector<int>& shape) {
  std::string s = "[";
  for (std::size_t d = 0; d < shape.size(); ++d) s += (d ? "," : "") + std::to_string(shape[d]);
  return s + "]";
}

}  // namespace

void copy_path_weights(const ParameterStore& supernet, ParameterStore& standalone) {
  for (const ParameterInfo& small : standalone.infos()) {
    const ParameterInfo* big = supernet.find(small.name);
    TUNAS_REQUIRE(big != nullptr, "copy_path_weights: the supernet has no tensor ", small.name);
    const std::vector<int>& s = small.shape;
    const std::vector<int>& b = big->shape;
    bool fits = s.size() == b.size();
    for (std::size_t d = 0; fits && d < s.size(); ++d) fits = s[d] <= b[d];
    TUNAS_REQUIRE(fits, "copy_path_weights: ", small.name, " is ", shape_text(s),
                  " in the stand-alone network but ", shape_text(b), " in the supernet");
    if (small.size == 0) continue;
    if (s.empty()) {  // a scalar
      standalone.values()[small.offset] = supernet.values()[big->offset];
      continue;
    }
    // Rows along the last axis are contiguous in both: copy row by row, walking the leading
    // axes of the small tensor like an odometer.
    const std::size_t rank = s.size();
    const int row = s[rank - 1];
    const std::int64_t rows = small.size / row;
    std::vector<int> idx(rank, 0);
    const float* src_base = supernet.values() + big->offset;
    float* dst = standalone.values() + small.offset;
    for (std::int64_t r = 0; r < rows; ++r, dst += row) {
      std::int64_t src = 0;
      for (std::size_t d = 0; d + 1 < rank; ++d) src = src * b[d] + idx[d];
      src *= b[rank - 1];
      std::copy_n(src_base + src, row, dst);
      for (std::size_t d = rank - 1; d-- > 0;) {  // advance the leading axes
        if (++idx[d] < s[d]) break;
        idx[d] = 0;
      }
    }
  }
}

}  // namespace tunas::supernet
