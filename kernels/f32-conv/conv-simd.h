// Vector micro-kernels of the full k x k convolution (f32-conv.inc), generic over the vector
// type V (kernels/simd/avx2.h F32x8, avx512.h F32x16) of L = V::kLanes floats;
// conv-{avx2,avx512}.cc define them with TUNAS_CONV_SIMD_UKERNELS.
//
// The stem has 1 or 3 input channels and 16-64 output channels, so both passes keep a tile
// of output channels in registers and broadcast the input values:
//   forward        P (2, or 1 at the borders) output pixels x NV (<= 4) vectors of output
//                  channels: per (tap, input channel) NV weight loads feed P * NV FMAs.
//   backward-w.    NI (<= 3) input channels x NV (<= 4) vectors of a cell: per output pixel
//                  NV loads of d_dst feed NI * NV FMAs; output pixels in order, the taps of
//                  a thread's cells taking turns on each output row (d_dst read once).
// Every output element is the same chain as in the scalar kernel (forward: taps in order,
// input channels in order; backward-weights: output pixels in order), each step one FMA, so
// the tile shapes and the partition never change a result.
// Include ONLY from a source compiled for V's ISA, after V's header (internal linkage).
#pragma once

#include <algorithm>

#include "kernels/f32-conv/conv.h"

namespace tunas::kernels::conv_simd {
namespace {

using conv_detail::pixel_index;
constexpr int kMaxVectors = 4;  // output-channel vectors per tile
constexpr int kMaxInputs = 3;   // input channels per backward-weights tile

// Loads vector v of a channel tile whose last vector holds `tail` lanes.
template <typename V, int NV>
TUNAS_SIMD_INLINE typename V::Reg load_tile(const float* p, int v, bool full,
                                            typename V::Mask tail) {
  return (v < NV - 1 || full) ? V::template load<false>(p + v * V::kLanes, tail)
                              : V::template load<true>(p + v * V::kLanes, tail);
}
template <typename V, int NV>
TUNAS_SIMD_INLINE void store_tile(float* p, int v, bool full, typename V::Mask tail,
                                  typename V::Reg x) {
  if (v < NV - 1 || full) {
    V::template store<false>(p + v * V::kLanes, tail, x);
  } else {
    V::template store<true>(p + v * V::kLanes, tail, x);
  }
}

// Forward: P output pixels (ox0, ox0 + 1, ...) of row (n, oy), channels [o0, o0 + no),
// (NV - 1) * L < no <= NV * L. check_x: test each tap's column (border pixels; P == 1).
template <typename V, int P, int NV>
__attribute__((always_inline)) inline void forward_tile(const ConvArgs& a, int n, int oy, int ox0,
                                                        int o0, int no, bool check_x) {
  using Reg = typename V::Reg;
  constexpr int L = V::kLanes;
  const ConvGeometry& g = a.g;
  const bool full = no == NV * L;
  const typename V::Mask tail = V::tail(no - (NV - 1) * L);
  Reg acc[P][NV];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[p][v] = V::zero();
  for (int ky = 0; ky < g.kernel; ++ky) {
    const int iy = oy * g.stride - g.pad_top + ky;
    if (iy < 0 || iy >= g.in_h) continue;
    for (int kx = 0; kx < g.kernel; ++kx) {
      const int ix = ox0 * g.stride - g.pad_left + kx;
      if (check_x && (ix < 0 || ix >= g.in_w)) continue;
      const float* x = a.src + pixel_index(n, iy, ix, g.in_h, g.in_w) * a.src_stride;
      const std::int64_t x_step = g.stride * a.src_stride;  // next output pixel's input
      const float* w = a.weight_or_d_dst + (ky * g.kernel + kx) * a.stride_b + o0;
      for (int i = 0; i < a.channels_in; ++i, w += a.stride_a) {
        Reg wv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) wv[v] = load_tile<V, NV>(w, v, full, tail);
#pragma GCC unroll 8
        for (int p = 0; p < P; ++p) {
          const Reg xb = V::broadcast(x + p * x_step + i);
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[p][v] = V::fmadd(xb, wv[v], acc[p][v]);
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) {
    float* y = a.out + pixel_index(n, oy, ox0 + p, g.out_h, g.out_w) * a.out_stride + o0;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) store_tile<V, NV>(y, v, full, tail, acc[p][v]);
  }
}

// Every output pixel of row (n, oy) for channels [o0, o0 + no): pairs of pixels whose taps
// all fall inside the image columns, single pixels with column checks at the borders.
template <typename V, int NV>
void forward_row(const ConvArgs& a, int n, int oy, int o0, int no) {
  const ConvGeometry& g = a.g;
  // Interior columns: ox * stride - pad_left >= 0 and ox * stride - pad_left + k <= in_w.
  const int lo = std::min(g.out_w, (g.pad_left + g.stride - 1) / g.stride);
  const int hi = std::max(lo, std::min(g.out_w, g.in_w - g.kernel + g.pad_left >= 0
                                                    ? (g.in_w - g.kernel + g.pad_left) / g.stride + 1
                                                    : 0));
  int ox = 0;
  for (; ox < lo; ++ox) forward_tile<V, 1, NV>(a, n, oy, ox, o0, no, true);
  for (; ox + 2 <= hi; ox += 2) forward_tile<V, 2, NV>(a, n, oy, ox, o0, no, false);
  for (; ox < hi; ++ox) forward_tile<V, 1, NV>(a, n, oy, ox, o0, no, false);
  for (; ox < g.out_w; ++ox) forward_tile<V, 1, NV>(a, n, oy, ox, o0, no, true);
}

template <typename V>
void forward_rows(const ConvArgs& a, std::int64_t r0, std::int64_t r1) {
  constexpr int L = V::kLanes;
  for (std::int64_t r = r0; r < r1; ++r) {
    const int n = int(r / a.g.out_h), oy = int(r % a.g.out_h);
    for (int o0 = 0; o0 < a.channels_out; o0 += kMaxVectors * L) {
      const int no = std::min(kMaxVectors * L, a.channels_out - o0);
      switch ((no + L - 1) / L) {
        case 1: forward_row<V, 1>(a, n, oy, o0, no); break;
        case 2: forward_row<V, 2>(a, n, oy, o0, no); break;
        case 3: forward_row<V, 3>(a, n, oy, o0, no); break;
        default: forward_row<V, 4>(a, n, oy, o0, no); break;
      }
    }
  }
}

// Backward-weights: for the taps [t0, t1), d_weight[tap][i0 + i][o0 ...] += the sum over
// output pixels of src[pixel + tap][i0 + i] * d_dst[pixel][o0 ...], for i < NI and
// (NV - 1) * L < no <= NV * L. The taps take turns on each output row, whose d_dst (at most
// a few tens of KiB) stays in L1 for all of them: d_dst streams from memory once, not once
// per tap. Each tap's accumulators wait in `sums` between rows; every sum still runs over
// the pixels in order.
constexpr int kMaxTaps = 25;  // taps sharing one pass over d_dst (a 5x5 kernel)
template <typename V, int NI, int NV>
void backward_weights_tile(const ConvArgs& a, int t0, int t1, int i0, int o0, int no) {
  using Reg = typename V::Reg;
  constexpr int L = V::kLanes;
  const ConvGeometry& g = a.g;
  const bool full = no == NV * L;
  const typename V::Mask tail = V::tail(no - (NV - 1) * L);
  Reg sums[kMaxTaps][NI][NV];
  int ox_lo[kMaxTaps], ox_hi[kMaxTaps];
  for (int t = t0; t < t1; ++t) {
    const int kx = t % g.kernel;
    // Output columns whose input column is inside the image.
    const int lo = std::min(g.out_w, std::max(0, (g.pad_left - kx + g.stride - 1) / g.stride));
    const int last = g.in_w - 1 + g.pad_left - kx;  // ox * stride <= last (none when < 0)
    ox_lo[t - t0] = lo;
    ox_hi[t - t0] = last < 0 ? lo : std::max(lo, std::min(g.out_w, last / g.stride + 1));
    for (int i = 0; i < NI; ++i)
      for (int v = 0; v < NV; ++v) sums[t - t0][i][v] = V::zero();
  }
  const std::int64_t x_step = g.stride * a.src_stride;
  for (int n = 0; n < g.batch; ++n) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      for (int t = t0; t < t1; ++t) {
        const int ky = t / g.kernel, kx = t % g.kernel;
        const int iy = oy * g.stride - g.pad_top + ky;
        if (iy < 0 || iy >= g.in_h) continue;
        const int lo = ox_lo[t - t0], hi = ox_hi[t - t0];
        const float* x = a.src +
                         pixel_index(n, iy, lo * g.stride - g.pad_left + kx, g.in_h, g.in_w) *
                             a.src_stride + i0;
        const float* dy =
            a.weight_or_d_dst + pixel_index(n, oy, lo, g.out_h, g.out_w) * a.stride_a + o0;
        Reg acc[NI][NV];
#pragma GCC unroll 3
        for (int i = 0; i < NI; ++i)
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[i][v] = sums[t - t0][i][v];
        for (int ox = lo; ox < hi; ++ox, x += x_step, dy += a.stride_a) {
          Reg d[NV];
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) d[v] = load_tile<V, NV>(dy, v, full, tail);
#pragma GCC unroll 3
          for (int i = 0; i < NI; ++i) {
            const Reg xb = V::broadcast(x + i);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] = V::fmadd(xb, d[v], acc[i][v]);
          }
        }
#pragma GCC unroll 3
        for (int i = 0; i < NI; ++i)
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) sums[t - t0][i][v] = acc[i][v];
      }
    }
  }
  for (int t = t0; t < t1; ++t) {
    float* dw = a.out + t * a.out_tap_stride + i0 * a.out_stride + o0;
    for (int i = 0; i < NI; ++i)
      for (int v = 0; v < NV; ++v) {
        float* row = dw + i * a.out_stride;
        store_tile<V, NV>(row, v, full, tail,
                          V::add(load_tile<V, NV>(row, v, full, tail), sums[t - t0][i][v]));
      }
  }
}

template <typename V, int NI>
void backward_weights_tile_nv(const ConvArgs& a, int t0, int t1, int i0, int o0, int no) {
  switch ((no + V::kLanes - 1) / V::kLanes) {
    case 1: backward_weights_tile<V, NI, 1>(a, t0, t1, i0, o0, no); break;
    case 2: backward_weights_tile<V, NI, 2>(a, t0, t1, i0, o0, no); break;
    case 3: backward_weights_tile<V, NI, 3>(a, t0, t1, i0, o0, no); break;
    default: backward_weights_tile<V, NI, 4>(a, t0, t1, i0, o0, no); break;
  }
}

// Cells [c0, c1) as in conv.h. The cells of one channel block (ib, ob) in the range are a
// run of consecutive taps; they are computed together, in tiles of <= 3 input channels x
// <= 4 vectors and groups of <= kMaxTaps taps.
template <typename V>
void backward_weights_cells(const ConvArgs& a, std::int64_t c0, std::int64_t c1) {
  constexpr int L = V::kLanes;
  const int in_blocks = (a.channels_in + kConvInBlock - 1) / kConvInBlock;
  const int out_blocks = (a.channels_out + kConvOutBlock - 1) / kConvOutBlock;
  const std::int64_t per_tap = std::int64_t(in_blocks) * out_blocks;
  const int taps = a.g.kernel * a.g.kernel;
  for (std::int64_t b = 0; b < per_tap; ++b) {
    // The taps t with c0 <= t * per_tap + b < c1.
    const std::int64_t t_lo = c0 <= b ? 0 : (c0 - b + per_tap - 1) / per_tap;
    const std::int64_t t_end = c1 <= b ? 0 : std::min<std::int64_t>(taps, (c1 - 1 - b) / per_tap + 1);
    const int i0 = int(b / out_blocks) * kConvInBlock, o0 = int(b % out_blocks) * kConvOutBlock;
    const int i_end = std::min(a.channels_in, i0 + kConvInBlock);
    const int o_end = std::min(a.channels_out, o0 + kConvOutBlock);
    for (std::int64_t t0 = t_lo; t0 < t_end; t0 += kMaxTaps) {
      const int t1 = int(std::min<std::int64_t>(t_end, t0 + kMaxTaps));
      for (int o = o0; o < o_end; o += kMaxVectors * L) {
        const int no = std::min(kMaxVectors * L, o_end - o);
        for (int i = i0; i < i_end; i += kMaxInputs) {
          switch (std::min(kMaxInputs, i_end - i)) {
            case 1: backward_weights_tile_nv<V, 1>(a, int(t0), t1, i, o, no); break;
            case 2: backward_weights_tile_nv<V, 2>(a, int(t0), t1, i, o, no); break;
            default: backward_weights_tile_nv<V, 3>(a, int(t0), t1, i, o, no); break;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace tunas::kernels::conv_simd

// Defines the two .inc micro-kernels of an ISA in namespace tunas::kernels.
#define TUNAS_CONV_SIMD_UKERNELS(V, forward_fn, backward_weights_fn)                      \
  void forward_fn(const ConvArgs& args, std::int64_t begin, std::int64_t end) {           \
    conv_simd::forward_rows<V>(args, begin, end);                                         \
  }                                                                                       \
  void backward_weights_fn(const ConvArgs& args, std::int64_t begin, std::int64_t end) {  \
    conv_simd::backward_weights_cells<V>(args, begin, end);                               \
  }
