#include "search_spaces/rounding.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tunas::spaces {

int scale_filters(int f, double m, int base) {
  // The original computes f*m/base + 0.5 in floating point and truncates.
  const double steps = std::floor(double(f) * m / base + 0.5);
  TUNAS_REQUIRE(steps * base <= kMaxFilters,  // false for NaN too
                "a width of ", f, " x ", m, " is more than the ", kMaxFilters,
                " filters a layer may have");
  return std::max(base, base * static_cast<int>(steps));
}

int make_divisible(double v, int d) {
  int n = std::max(d, static_cast<int>(std::floor((v + d / 2.0) / d)) * d);
  if (n < 0.9 * v) n += d;
  return n;
}

}  // namespace tunas::spaces
