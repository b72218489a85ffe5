#include "search_spaces/rounding.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tunas::spaces {

int scale_filters(double f, double m, int base) {
  // The original computes f*m/base + 0.5 in floating point and truncates.
  const double steps = std::floor(f * m / base + 0.5);
  if (!(steps * base <= kMaxFilters)) {  // NaN too
    // Widths are whole numbers; a stream would print 1048576 as 1.04858e+06.
    const auto text = [](double v) {
      return v == std::floor(v) && v < 1e15 ? str_cat(static_cast<long long>(v)) : str_cat(v);
    };
    throw Error(str_cat("a width of ", text(f), " x ", text(m), " is more than the ", kMaxFilters,
                        " filters a layer may have"));
  }
  return std::max(base, base * static_cast<int>(steps));
}

int make_divisible(double v, int d) {
  int n = std::max(d, static_cast<int>(std::floor((v + d / 2.0) / d)) * d);
  if (n < 0.9 * v) n += d;
  return n;
}

}  // namespace tunas::spaces
