// Shared building blocks of the depthwise micro-kernels, generic over the vector type V
// (kernels/simd/avx2.h F32x8, kernels/simd/avx512.h F32x16): V::Reg holds V::kLanes channels
// of one pixel, the tail tile (channels % kLanes) uses V's masked loads and stores, which
// neither read nor write the lanes past `channels`. Include ONLY from a kernel source compiled
// for V's ISA, after V's header. Everything has internal linkage (an unnamed namespace), so
// the AVX2, AVX-512 and emulated AVX-512 copies never merge at link time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "core/error.h"
#include "kernels/f32-dwconv/dwconv.h"

namespace tunas::kernels::dwconv_simd {
namespace {

// Columns [lo, hi) of a strided window walk whose taps x*stride - pad + [0, k) all lie
// inside [0, extent); positions outside it need bounds checks.
struct Span {
  int lo = 0, hi = 0;
};
inline Span interior_span(int count, int extent, int k, int stride, int pad) {
  Span s;
  s.lo = std::min(count, (pad + stride - 1) / stride);
  const int last = extent - k + pad;  // largest x*stride with the window inside
  s.hi = last >= 0 ? std::min(count, last / stride + 1) : 0;
  s.hi = std::max(s.hi, s.lo);
  return s;
}

// acc[p] += sum_{m < K} x[(p * S + m) * x_stride] * w[m] for p < P, each x loaded once.
// Per p the taps are added in increasing m. With kChecked, window positions j = p * S + m
// outside [j_begin, j_end) are padding: never loaded, they contribute 0 * w (the same sum
// for finite weights). A select rather than a skip keeps the loops fully unrolled, so acc
// stays in registers.
template <typename V, int K, int S, int P, bool kMasked, bool kChecked>
__attribute__((always_inline)) inline void window_block(typename V::Reg (&acc)[P],
                                                        const float* x, int64_t x_stride,
                                                        const typename V::Reg (&w)[K],
                                                        typename V::Mask mask, int j_begin,
                                                        int j_end) {
  constexpr int J = (P - 1) * S + K;
#pragma GCC unroll 64
  for (int j = 0; j < J; ++j) {
    typename V::Reg v;
    if (kChecked) {
      v = (j >= j_begin && j < j_end) ? V::template load<kMasked>(x + j * x_stride, mask)
                                      : V::zero();
    } else {
      v = V::template load<kMasked>(x + j * x_stride, mask);
    }
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      const int m = j - p * S;
      if (m >= 0 && m < K) acc[p] = V::fmadd(v, w[m], acc[p]);
    }
  }
}

// Calls body(std::integral_constant<int, Q>, x, checked) for the runtime q in [1, Q].
template <int Q, typename Body>
__attribute__((always_inline)) inline void block_of_width(int q, int x, bool checked,
                                                          const Body& body) {
  if constexpr (Q >= 1) {
    if (q == Q) {
      body(std::integral_constant<int, Q>{}, x, checked);
    } else {
      block_of_width<Q - 1>(q, x, checked, body);
    }
  }
}

// Walks columns [0, count) in blocks of P, then (P > 8) blocks of 8, then the remainder
// (< 8 columns) as ONE block of its exact width, calling
// body(std::integral_constant<int, Q>, first_column, checked) where `checked` says that the
// block leaves the interior span (so some of its taps are padding). One remainder block
// rather than 4 + 2 + 1 matters on small images (out_w = 7, 14): every block reloads the
// weights of each kernel row and the K - S overlapping window columns.
template <int P, typename Body>
__attribute__((always_inline)) inline void for_column_blocks(int count, Span interior,
                                                             const Body& body) {
  auto checked = [&](int x, int q) { return x < interior.lo || x + q > interior.hi; };
  int x = 0;
  for (; x + P <= count; x += P) body(std::integral_constant<int, P>{}, x, checked(x, P));
  if constexpr (P > 8) {
    for (; x + 8 <= count; x += 8) body(std::integral_constant<int, 8>{}, x, checked(x, 8));
  }
  constexpr int kMaxRemainder = (P > 8 ? 8 : P) - 1;
  if (x < count) block_of_width<kMaxRemainder>(count - x, x, checked(x, count - x), body);
}

}  // namespace
}  // namespace tunas::kernels::dwconv_simd

// Runs tile(channel_offset, mask_kind, mask) over the channel tiles of [0, channels): full
// tiles with std::false_type (unmasked), then the tail (channels % kLanes) with std::true_type.
template <typename V, typename Tile>
__attribute__((always_inline)) inline void for_channel_tiles(int channels, const Tile& tile) {
  const int full_channels = channels - channels % V::kLanes;
  for (int c = 0; c < full_channels; c += V::kLanes) tile(c, std::false_type{}, V::full());
  if (full_channels < channels) tile(full_channels, std::true_type{}, V::tail(channels % V::kLanes));
}

// Rows of a band for for_band_tiles: a channel tile's lines (64 bytes per pixel: this tile and
// its neighbour, which comes next) over the band's rows, `pixels_per_row` per row, fit a
// 16 KB half of L1; small images (14x14) are one band. Pixels further apart than 3 KB
// (7x7x960: 3840 B) get bands of one row, i.e. each row streams all channels: a tile walking
// down such a column touches a new 4 KB page per pixel, which the hardware prefetchers do not
// follow (measured on Zen 2: 7x7x960 k3 forward 2.1 ms tile-major vs 1.2 ms row-major, while
// 14x14x576 k7 gains 9.5 -> 9.3 ms and backward-data 10.9 -> 9.9 ms, benchmarks/RESULTS.md).
inline int l1_row_band(int64_t pixels_per_row, int64_t pixel_stride_floats) {
  constexpr int64_t kTileBytes = 16 * 1024;
  constexpr int64_t kMaxPixelStrideBytes = 3 * 1024;
  if (pixel_stride_floats * 4 > kMaxPixelStrideBytes) return 1;
  return int(std::max<int64_t>(1, kTileBytes / (pixels_per_row * 64)));
}

// Runs row_tile(row, channel_offset, mask_kind, mask) over rows [row_begin, row_end) x the
// channel tiles (for_channel_tiles), a band of `band` rows at a time with each tile walking
// the band's rows before the next tile: the tile's weights and input stay in L1 across rows
// instead of every row streaming all channels' weights and K input rows through L2. Every
// (row, tile) is computed by the same code in any order, so results do not depend on it.
template <typename V, typename RowTile>
__attribute__((always_inline)) inline void for_band_tiles(int row_begin, int row_end, int band,
                                                          int channels,
                                                          const RowTile& row_tile) {
  for (int r0 = row_begin; r0 < row_end; r0 += band) {
    const int r1 = std::min(row_end, r0 + band);
    for_channel_tiles<V>(channels, [&](int c, auto masked, typename V::Mask mask) {
      for (int row = r0; row < r1; ++row) row_tile(row, c, masked, mask);
    });
  }
}
