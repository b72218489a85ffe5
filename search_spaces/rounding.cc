#include "search_spaces/rounding.h"

#include <algorithm>
#include <cmath>

namespace tunas::spaces {

int scale_filters(double f, double m, int base) {
  // The original computes f*m/base + 0.5 in floating point and truncates.
  const double steps = std::floor(f * m / base + 0.5);
  return std::max(base, base * static_cast<int>(steps));
}

int make_divisible(double v, int d) {
  int n = std::max(d, static_cast<int>(std::floor((v + d / 2.0) / d)) * d);
  if (n < 0.9 * v) n += d;
  return n;
}

}  // namespace tunas::spaces
