// GEMM block kernel on strided operands (see gemm.h), generic over the vector type V
// (kernels/simd/avx2.h F32x8, kernels/simd/avx512.h F32x16) of L = V::kLanes floats;
// gemm-{avx2,avx512}.cc define the .inc kernels with TUNAS_GEMM_BLOCK.
//
// Micro-kernels (register tiles of C in named accumulators; the inner loop is spill-free,
// check with objdump -d after changes); for AVX2 (L = 8):
//   6x16  main tile            12 accumulators + 2 B vectors + 1 broadcast
//   4x24  24-column panels     12 accumulators + 3 B vectors + 1 broadcast (N = 24 layers,
//         and the last 17..24 columns of any N, instead of a half-empty 16-wide tile)
//   6x8   last 1..8 columns when nothing wider is left
// and the same tiles twice as wide for AVX-512 (6x32, 4x48, 6x16: 12 of the 32 zmm).
// Loops of one block of C (a task of the partition in gemm.cc):
//   ib (kMb rows) -> jc (kNc columns) -> k0 (kc <= kKcMax) -> [pack B block]
//     -> ic (kMc rows) -> [pack A block] -> panel (8|16|24 columns) -> ir -> ukernel
// A is read in place when its columns are contiguous (forward, backward-data); otherwise
// (backward-weights reads src^T: the long reduction) the kc x kMc block is packed in 12-row
// groups, pixel-major, so each micro-tile reads one contiguous stream. B is read in place
// when a panel is full and row-major (forward weights); it is packed, zero-padded, once per
// kMb rows when transposed (backward-data weights), for a narrow last panel, and whole in a
// stream-bound long reduction (a small block of C, e.g. 24 x 144: d_dst panels read in
// place would stride through DRAM). Both packings read their source in memory order, so the
// hardware prefetcher streams it. Both packing buffers are the thread_local arrays of
// gemm.cc (fixed size, shared by every ISA, allocated once per thread, never per call).
// Software prefetch, so that DRAM latency overlaps the FMAs: the C rows of a later tile of
// the panel (1-3 tiles ahead, more when k is short; C would otherwise be loaded or
// write-allocated at the tile's start), the next tile's A rows when A is read in place, and
// in a stream-bound long reduction the next k block's A and B rows (PrefetchQueue).
// Every C element is one FMA chain over k in increasing order, stored and reloaded between
// k blocks; tile shape and partition never change the arithmetic, so results are bitwise
// independent of the thread count.
// Include ONLY from a source compiled for V's ISA, after V's header (internal linkage).
#pragma once

#include <algorithm>

#include "kernels/f32-conv1x1/gemm.h"

namespace tunas::kernels::gemm_simd {
namespace {

using gemm_packing::kKcMax;  // k block: a 16-wide B panel is 16 KiB (L1)
using gemm_packing::kMc;     // row block: A block kc x 96 (96 KiB) stays in L2
using gemm_packing::kNc;     // column block: B block kc x 256 (256 KiB) in L2
constexpr std::int64_t kMb = 384;  // rows sharing one packed B block; C block 384 x kNc in L2

// Lines to prefetch from up to two 2-D regions (rows of row_bytes bytes, stride bytes apart),
// handed out `per_issue` at a time: in the long reduction, the rows of the next k block of
// A and B, which that block packs from DRAM; spread over this block's micro-kernels, the
// fetch overlaps their FMAs instead of stalling the packing.
class PrefetchQueue {
 public:
  void add(const float* base, std::int64_t stride_floats, std::int64_t row_floats,
           std::int64_t rows) {
    if (regions_ < 2 && rows > 0 && row_floats > 0) {
      region_[regions_++] = {reinterpret_cast<const char*>(base), stride_floats * 4,
                             row_floats * 4, rows};
    }
  }
  std::int64_t lines() const {
    std::int64_t n = 0;
    for (int r = 0; r < regions_; ++r) n += region_[r].rows * ((region_[r].row_bytes + 63) / 64);
    return n;
  }
  void set_per_issue(std::int64_t n) { per_issue_ = n; }
  void issue() {
    for (std::int64_t i = 0; i < per_issue_ && cur_ < regions_; ++i) {
      const Region& g = region_[cur_];
      __builtin_prefetch(g.base + row_ * g.stride + off_, 0, 3);
      off_ += 64;
      if (off_ >= g.row_bytes) {
        off_ = 0;
        if (++row_ == g.rows) row_ = 0, ++cur_;
      }
    }
  }

 private:
  struct Region {
    const char* base;
    std::int64_t stride, row_bytes, rows;
  };
  Region region_[2] = {};
  int regions_ = 0, cur_ = 0;
  std::int64_t row_ = 0, off_ = 0, per_issue_ = 1;
};

// C tile (mr x nr; mr <= MR, (NV-1)*L < nr <= NV*L) = init + A(mr x kc) * B(kc x NV*L).
// A element (r, p) at a[r * a_rs + p * a_cs]; B row p at b + p * b_rs, NV*L readable floats
// (columns past nr are zero or ignored). init is C itself when load_c, else bias (when not
// null), else 0. Rows of A past mr alias row mr-1 (computed, never stored).
// c_next / a_next (nullable): a later tile's C rows and the next tile's A rows (A with
// a_cs == 1), prefetched while this tile runs (prefetches never fault, so rows past M are harmless); queue
// (nullable) hands out further lines to prefetch, a few every 16 k steps.
// The accumulators are named locals (c<row><vector>), not an array: GCC keeps an array of
// 12 vectors in memory and spills it every k step. Unused names vanish under if constexpr.
#define TUNAS_GEMM_FOR_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
// What a micro-kernel prefetches every 16 k steps besides the next tile's C rows: nothing,
// the next tile's A rows, or lines of a PrefetchQueue (separate instantiations: the queue's
// state in the loop would cost the other two registers).
enum class Prefetch { kNone, kNextA, kQueue };
template <typename V, int MR, int NV, Prefetch kPrefetch>
__attribute__((always_inline)) inline void ukernel(std::int64_t kc, const float* a,
                                                   std::int64_t a_rs, std::int64_t a_cs, int mr,
                                                   const float* b, std::int64_t b_rs, float* c,
                                                   std::int64_t c_rs, int nr, const float* bias,
                                                   bool load_c, const float* c_next,
                                                   const float* a_next, PrefetchQueue* queue) {
  static_assert(MR >= 1 && MR <= 6 && NV >= 1 && NV <= 3);
  using Reg = typename V::Reg;
  constexpr int L = V::kLanes;
  const bool full_cols = nr == NV * L;
  const typename V::Mask tail = V::tail(nr - (NV - 1) * L);
  // Loads vector v of a C row or of the bias (masked when it is the partial last one).
  auto load_vec = [&](const float* row, int v) {
    return (v < NV - 1 || full_cols) ? V::template load<false>(row + L * v, tail)
                                     : V::template load<true>(row + L * v, tail);
  };
  auto store_vec = [&](float* row, int v, Reg x) {
    if (v < NV - 1 || full_cols) {
      V::template store<false>(row + L * v, tail, x);
    } else {
      V::template store<true>(row + L * v, tail, x);
    }
  };
  Reg init0 = V::zero(), init1 = init0, init2 = init0;
  if (!load_c && bias) {
    init0 = load_vec(bias, 0);
    if constexpr (NV > 1) init1 = load_vec(bias, 1);
    if constexpr (NV > 2) init2 = load_vec(bias, 2);
  }
#define TUNAS_GEMM_DECLARE(r)                                             \
  const float* ap##r = a + std::min(r, mr - 1) * a_rs;                    \
  float* cp##r = c + std::min(r, mr - 1) * c_rs;                          \
  Reg c##r##0 = init0, c##r##1 = init1, c##r##2 = init2;                  \
  if (r < MR && load_c) {                                                 \
    c##r##0 = load_vec(cp##r, 0);                                         \
    if constexpr (NV > 1) c##r##1 = load_vec(cp##r, 1);                   \
    if constexpr (NV > 2) c##r##2 = load_vec(cp##r, 2);                   \
  }
  TUNAS_GEMM_FOR_ROWS(TUNAS_GEMM_DECLARE)
#undef TUNAS_GEMM_DECLARE

  if (c_next) {
    for (int r = 0; r < MR; ++r) {
      for (int j = 0; j < NV * L; j += 16) __builtin_prefetch(c_next + r * c_rs + j, 1, 3);
      __builtin_prefetch(c_next + r * c_rs + NV * L - 1, 1, 3);
    }
  }
  std::int64_t off = 0;
  for (std::int64_t p = 0; p < kc; ++p) {
    const Reg b0 = V::template load<false>(b, tail);
    const Reg b1 = NV > 1 ? V::template load<false>(b + L, tail) : b0;
    const Reg b2 = NV > 2 ? V::template load<false>(b + 2 * L, tail) : b0;
    b += b_rs;
    if constexpr (kPrefetch == Prefetch::kNextA) {
      if ((p & 15) == 0) {
        for (int r = 0; r < MR; ++r) __builtin_prefetch(a_next + r * a_rs + off + 16, 0, 3);
      }
    } else if constexpr (kPrefetch == Prefetch::kQueue) {
      if ((p & 15) == 0) queue->issue();
    }
#define TUNAS_GEMM_FMA(r)                                                 \
  if constexpr (r < MR) {                                                 \
    const Reg av = V::broadcast(ap##r + off);                             \
    c##r##0 = V::fmadd(av, b0, c##r##0);                                  \
    if constexpr (NV > 1) c##r##1 = V::fmadd(av, b1, c##r##1);            \
    if constexpr (NV > 2) c##r##2 = V::fmadd(av, b2, c##r##2);            \
  }
    TUNAS_GEMM_FOR_ROWS(TUNAS_GEMM_FMA)
#undef TUNAS_GEMM_FMA
    off += a_cs;
  }

#define TUNAS_GEMM_STORE(r)                                               \
  if (r < MR && r < mr) {                                                 \
    store_vec(cp##r, 0, c##r##0);                                         \
    if constexpr (NV > 1) store_vec(cp##r, 1, c##r##1);                   \
    if constexpr (NV > 2) store_vec(cp##r, 2, c##r##2);                   \
  }
  TUNAS_GEMM_FOR_ROWS(TUNAS_GEMM_STORE)
#undef TUNAS_GEMM_STORE
}
#undef TUNAS_GEMM_FOR_ROWS

// All `rows` rows of one panel, in MR-row tiles. Row i of A starts at
// a + (i / kRowGroup) * a_gs + (i % kRowGroup) * a_rs (a_gs = kRowGroup * a_rs when A is
// read in place; packed A is stored in groups of kRowGroup rows, see below).
constexpr std::int64_t kRowGroup = 12;  // multiple of both tile heights (6 and 4)
template <typename V, int MR, int NV>
void panel_rows(std::int64_t kc, const float* a, std::int64_t a_rs, std::int64_t a_cs,
                std::int64_t a_gs, std::int64_t rows, const float* b, std::int64_t b_rs,
                float* c, std::int64_t c_rs, int nr, const float* bias, bool load_c,
                PrefetchQueue* queue) {
  // C is prefetched ~72 k steps ahead: 1 tile, up to 3 when k is short (a 24-step tile is too
  // short to hide a DRAM access to the next tile's C).
  const std::int64_t c_ahead = std::clamp<std::int64_t>(72 / std::max<std::int64_t>(kc, 1), 1, 3) * MR;
  for (std::int64_t i = 0; i < rows; i += MR) {
    const int mr = int(std::min<std::int64_t>(MR, rows - i));
    const bool next = i + MR < rows;
    const float* c_next = i + c_ahead < rows ? c + (i + c_ahead) * c_rs : nullptr;
    const float* a_next = next && a_cs == 1 ? a + (i + MR) * a_rs : nullptr;
    const float* a_tile = a + (i / kRowGroup) * a_gs + (i % kRowGroup) * a_rs;
    float* c_tile = c + i * c_rs;
    if (queue) {
      ukernel<V, MR, NV, Prefetch::kQueue>(kc, a_tile, a_rs, a_cs, mr, b, b_rs, c_tile, c_rs, nr,
                                           bias, load_c, c_next, nullptr, queue);
    } else if (a_next) {
      ukernel<V, MR, NV, Prefetch::kNextA>(kc, a_tile, a_rs, a_cs, mr, b, b_rs, c_tile, c_rs, nr,
                                           bias, load_c, c_next, a_next, nullptr);
    } else {
      ukernel<V, MR, NV, Prefetch::kNone>(kc, a_tile, a_rs, a_cs, mr, b, b_rs, c_tile, c_rs, nr,
                                          bias, load_c, c_next, nullptr, nullptr);
    }
  }
}

// Packs A(r, p), r < rows, p < kc (element at a[r * a_rs + p * a_cs]) in groups of kRowGroup
// rows, each kc x kRowGroup pixel-major: packed[(r / 12) * kc * 12 + p * 12 + r % 12].
// Reads A in memory order (p outer) so that the hardware prefetcher streams it; full groups
// of contiguous rows (a_rs == 1: src^T of backward-weights) are copied as vectors.
template <typename V>
void pack_a_block(const float* a, std::int64_t a_rs, std::int64_t a_cs, std::int64_t rows,
                  std::int64_t kc, float* packed) {
  constexpr int L = V::kLanes;
  const std::int64_t group_stride = kRowGroup * kc;
  for (std::int64_t p = 0; p < kc; ++p) {
    const float* s = a + p * a_cs;
    float* d = packed + p * kRowGroup;
    for (std::int64_t r0 = 0; r0 < rows; r0 += kRowGroup, s += kRowGroup * a_rs, d += group_stride) {
      const std::int64_t gr = std::min(kRowGroup, rows - r0);
      if (a_rs == 1 && gr == kRowGroup) {
        if constexpr (L <= kRowGroup) {
          // Vectors at 0, L, ..., and one ending at the group's end (overlapping).
          const typename V::Mask all = V::tail(L);
          for (int j = 0; j + L < kRowGroup; j += L) {
            V::template store<false>(d + j, all, V::template load<false>(s + j, all));
          }
          V::template store<false>(d + kRowGroup - L, all,
                                   V::template load<false>(s + kRowGroup - L, all));
        } else {
          const typename V::Mask m = V::tail(kRowGroup);
          V::template store<true>(d, m, V::template load<true>(s, m));
        }
      } else {
        for (std::int64_t r = 0; r < gr; ++r) d[r] = s[r * a_rs];
      }
    }
  }
}

// Width of the next panel when `rem` columns are left: 2L, then one 3L (2L+1..3L left),
// 2L (L+1..2L) or L (1..L).
template <int L>
inline int panel_width(std::int64_t rem) {
  static_assert(3 * L <= gemm_packing::kMaxPanel);
  if (rem > 3 * L) return 2 * L;
  if (rem > 2 * L) return 3 * L;
  if (rem > L) return 2 * L;
  return L;
}

// Packs the panels of a row-major B block (B(p, j) at b[p * b_rs + j], p < kc, j < cols) that
// are not read in place: all of them when `all`, else only a last panel narrower than its
// tile. Panel j0 (panel_width columns, zero-padded) lands at packed + j0 * kc, pixel-major.
// Reads B in memory order (p outer).
template <typename V>
void pack_b_rows(const float* b, std::int64_t b_rs, std::int64_t cols, std::int64_t kc, bool all,
                 float* packed) {
  constexpr int L = V::kLanes;
  for (std::int64_t p = 0; p < kc; ++p) {
    const float* s = b + p * b_rs;
    for (std::int64_t j0 = 0; j0 < cols;) {
      const int width = panel_width<L>(cols - j0);
      const int nr = int(std::min<std::int64_t>(width, cols - j0));
      if (all || nr < width) {
        float* d = packed + j0 * kc + p * width;
        for (int j = 0; j < width; j += L) {
          const int n = std::clamp(nr - j, 0, L);
          const typename V::Mask m = V::tail(n);
          V::template store<false>(d + j, m,
                                   n == L ? V::template load<false>(s + j0 + j, m)
                                          : V::template load<true>(s + j0 + j, m));
        }
      }
      j0 += width;
    }
  }
}

template <typename V>
void gemm_block(const GemmArgs& g, std::int64_t m_begin, std::int64_t m_end,
                std::int64_t n_begin, std::int64_t n_end) {
  constexpr int L = V::kLanes;
  const bool pack_a = g.a_col_stride != 1;
  const bool b_rows = g.b_col_stride == 1;
  // A long reduction whose block of C is small (24 x 144: ~10 FLOP per byte of A and B
  // streamed) is bound by the stream from DRAM, not by the FMAs: pack B in memory order too,
  // and prefetch the next k block. Larger blocks (96 x 576) run from cache; there the extra
  // copies and prefetches only cost.
  const std::int64_t bm = m_end - m_begin, bn = n_end - n_begin;
  const bool streamed = pack_a && bm * bn < 32 * (bm + bn);
  const bool pack_b_all = streamed;
  // Balanced k blocks of at most kKcMax (e.g. 576 = 3 x 192, 960 = 4 x 240).
  const std::int64_t k_blocks = std::max<std::int64_t>(1, (g.k + kKcMax - 1) / kKcMax);
  const std::int64_t kc_step = std::max<std::int64_t>(1, (g.k + k_blocks - 1) / k_blocks);
  float* const packed_a = gemm_packing::packed_a();
  float* const packed_b = gemm_packing::packed_b();

  for (std::int64_t ib = m_begin; ib < m_end; ib += kMb) {
    const std::int64_t ib_end = std::min(m_end, ib + kMb);
    for (std::int64_t jc = n_begin; jc < n_end; jc += kNc) {
      const std::int64_t jc_end = std::min(n_end, jc + kNc);
      // One pass even when k == 0, so that the overwrite form still writes bias (or zeros).
      for (std::int64_t k0 = 0;; k0 += kc_step) {
        const std::int64_t kc = std::min(kc_step, g.k - k0);
        const bool first = k0 == 0;
        // Long reduction: prefetch the next k block's A rows [ib, ib_end) and B columns
        // [jc, jc_end) during this one, a share of the lines per 16 k steps of each tile.
        PrefetchQueue queue;
        PrefetchQueue* const pf = streamed && k0 + kc < g.k ? &queue : nullptr;
        if (pf) {
          const std::int64_t kn = std::min(kc_step, g.k - k0 - kc);
          if (g.a_row_stride == 1) queue.add(g.a + ib + (k0 + kc) * g.a_col_stride, g.a_col_stride, ib_end - ib, kn);
          if (b_rows) queue.add(g.b + (k0 + kc) * g.b_row_stride + jc, g.b_row_stride, jc_end - jc, kn);
          std::int64_t panels = 0;
          for (std::int64_t j0 = jc; j0 < jc_end; j0 += panel_width<L>(jc_end - j0)) ++panels;
          const std::int64_t issues = panels * ((ib_end - ib + 5) / 6) * ((kc + 15) / 16);
          queue.set_per_issue((queue.lines() + issues - 1) / issues);
        }
        const bool load_c = !first || g.accumulate;
        const float* bias = (first && !g.accumulate) ? g.bias : nullptr;

        // Pack the panels of B[k0, k0+kc) x [jc, jc_end) that are not read in place into
        // kc x width panels, zero-padded, panel j0 at packed_b + (j0 - jc) * kc.
        if (b_rows) {
          pack_b_rows<V>(g.b + k0 * g.b_row_stride + jc, g.b_row_stride, jc_end - jc, kc,
                         pack_b_all, packed_b);
        } else {
          // Transposed B (backward-data weights): column j0 + j is contiguous over p.
          for (std::int64_t j0 = jc; j0 < jc_end;) {
            const int width = panel_width<L>(jc_end - j0);
            const int nr = int(std::min<std::int64_t>(width, jc_end - j0));
            float* d0 = packed_b + (j0 - jc) * kc;
            const float* src = g.b + k0 * g.b_row_stride + j0 * g.b_col_stride;
            for (int j = 0; j < width; ++j) {
              if (j < nr) {
                const float* s = src + j * g.b_col_stride;
                for (std::int64_t p = 0; p < kc; ++p) d0[p * width + j] = s[p * g.b_row_stride];
              } else {
                for (std::int64_t p = 0; p < kc; ++p) d0[p * width + j] = 0.f;
              }
            }
            j0 += width;
          }
        }

        for (std::int64_t i0 = ib; i0 < ib_end; i0 += kMc) {
          const std::int64_t rows = std::min(kMc, ib_end - i0);
          const float* a_blk;
          std::int64_t a_rs, a_cs, a_gs;
          if (pack_a) {
            pack_a_block<V>(g.a + i0 * g.a_row_stride + k0 * g.a_col_stride, g.a_row_stride,
                            g.a_col_stride, rows, kc, packed_a);
            a_blk = packed_a;
            a_rs = 1;
            a_cs = kRowGroup;
            a_gs = kRowGroup * kc;
          } else {
            a_blk = g.a + i0 * g.a_row_stride + k0 * g.a_col_stride;
            a_rs = g.a_row_stride;
            a_cs = g.a_col_stride;
            a_gs = kRowGroup * g.a_row_stride;
          }

          for (std::int64_t j0 = jc; j0 < jc_end;) {
            const int width = panel_width<L>(jc_end - j0);
            const int nr = int(std::min<std::int64_t>(width, jc_end - j0));
            const float* b_pan;
            std::int64_t b_rs;
            if (b_rows && nr == width && !pack_b_all) {
              b_pan = g.b + k0 * g.b_row_stride + j0;
              b_rs = g.b_row_stride;
            } else {
              b_pan = packed_b + (j0 - jc) * kc;
              b_rs = width;
            }
            float* c_pan = g.c + i0 * g.c_row_stride + j0;
            const float* bias_pan = bias ? bias + j0 : nullptr;
            if (width == 2 * L) {
              panel_rows<V, 6, 2>(kc, a_blk, a_rs, a_cs, a_gs, rows, b_pan, b_rs, c_pan,
                                  g.c_row_stride, nr, bias_pan, load_c, pf);
            } else if (width == 3 * L) {
              panel_rows<V, 4, 3>(kc, a_blk, a_rs, a_cs, a_gs, rows, b_pan, b_rs, c_pan,
                                  g.c_row_stride, nr, bias_pan, load_c, pf);
            } else {
              panel_rows<V, 6, 1>(kc, a_blk, a_rs, a_cs, a_gs, rows, b_pan, b_rs, c_pan,
                                  g.c_row_stride, nr, bias_pan, load_c, pf);
            }
            j0 += width;
          }
        }
        if (k0 + kc_step >= g.k) break;
      }
    }
  }
}

}  // namespace
}  // namespace tunas::kernels::gemm_simd

// Defines the .inc block kernel `fn` as gemm_block<V> in namespace tunas::kernels.
#define TUNAS_GEMM_BLOCK(V, fn)                                                               \
  void fn(const GemmArgs& args, std::int64_t m_begin, std::int64_t m_end, std::int64_t n_begin, \
          std::int64_t n_end) {                                                               \
    gemm_simd::gemm_block<V>(args, m_begin, m_end, n_begin, n_end);                           \
  }
