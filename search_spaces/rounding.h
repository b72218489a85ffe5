// Channel rounding rules of the TuNAS spec (§1.2). Both are exact integer results of the
// original floating-point formulas; tests pin the spec's unit-test values.
#pragma once

namespace tunas::spaces {

// The most filters (channels) one layer may have: a stated limit far above any network that
// trains (MobileNet-scale layers have 1,280; a 16x-wide one 20,480), and far below int's range,
// so every width, multiplier and rounding stays exact. Parsers refuse more with the YAML line.
inline constexpr int kMaxFilters = 1 << 20;

// Rounds f*m half up to a multiple of base, at least base:
// max(base, base * floor(f*m/base + 0.5)). Used for block-width multipliers, the network
// width multiplier and relative expansion widths (E = scale(in, r, base)). An Error when the
// result would exceed kMaxFilters.
int scale_filters(int f, double m, int base);

// SE hidden width: n = max(d, floor((v + d/2)/d)*d); if n < 0.9*v then n += d.
int make_divisible(double v, int d);

}  // namespace tunas::spaces
