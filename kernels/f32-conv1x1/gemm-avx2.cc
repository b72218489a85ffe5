// AVX2+FMA GEMM: 6x16 register-blocked micro-kernel, K blocked by 256, B packed into
// 16-wide panels on the stack only when it is not already row-major and full width.
// Compiled with -mavx2 -mfma (tunas_avx2_sources); called only when cpu_has(Isa::avx2).
#include <immintrin.h>

#include <algorithm>

#include "kernels/f32-conv1x1/gemm.h"

namespace tunas::kernels {

namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;
constexpr std::int64_t kKc = 256;  // a packed B panel is kKc x 16 floats = 16 KiB (L1)

// C tile (mr x nr, mr <= 6, nr <= 16) = init + A(mr x kc) * B(kc x 16).
// init is C itself when load_c, else bias (when not null), else 0. Rows of A past mr alias
// row 0 (computed, never stored), so nothing outside the tile is read or written.
void f32_gemm_ukernel_6x16_avx2(std::int64_t kc, const float* a, std::int64_t a_row_stride,
                                std::int64_t a_col_stride, int mr, const float* b,
                                std::int64_t b_row_stride, float* c, std::int64_t c_row_stride,
                                int nr, const float* bias, bool load_c) {
  std::int64_t a_off[kMr];
  for (int i = 0; i < kMr; ++i) a_off[i] = std::min(i, mr - 1) * a_row_stride;
  const bool full = mr == kMr && nr == kNr;
  alignas(32) float tile[kMr][kNr];

  __m256 acc[kMr][2];
  if (load_c) {
    if (full) {
      for (int i = 0; i < kMr; ++i) {
        acc[i][0] = _mm256_loadu_ps(c + i * c_row_stride);
        acc[i][1] = _mm256_loadu_ps(c + i * c_row_stride + 8);
      }
    } else {
      for (int i = 0; i < kMr; ++i) {
        for (int j = 0; j < kNr; ++j) tile[i][j] = (i < mr && j < nr) ? c[i * c_row_stride + j] : 0.f;
        acc[i][0] = _mm256_load_ps(tile[i]);
        acc[i][1] = _mm256_load_ps(tile[i] + 8);
      }
    }
  } else {
    __m256 init0 = _mm256_setzero_ps(), init1 = _mm256_setzero_ps();
    if (bias) {
      for (int j = 0; j < kNr; ++j) tile[0][j] = j < nr ? bias[j] : 0.f;
      init0 = _mm256_load_ps(tile[0]);
      init1 = _mm256_load_ps(tile[0] + 8);
    }
    for (int i = 0; i < kMr; ++i) {
      acc[i][0] = init0;
      acc[i][1] = init1;
    }
  }

  for (std::int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    b += b_row_stride;
    for (int i = 0; i < kMr; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + a_off[i]);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += a_col_stride;
  }

  if (full) {
    for (int i = 0; i < kMr; ++i) {
      _mm256_storeu_ps(c + i * c_row_stride, acc[i][0]);
      _mm256_storeu_ps(c + i * c_row_stride + 8, acc[i][1]);
    }
  } else {
    for (int i = 0; i < kMr; ++i) {
      _mm256_store_ps(tile[i], acc[i][0]);
      _mm256_store_ps(tile[i] + 8, acc[i][1]);
    }
    for (int i = 0; i < mr; ++i) {
      for (int j = 0; j < nr; ++j) c[i * c_row_stride + j] = tile[i][j];
    }
  }
}

}  // namespace

void f32_gemm_block_avx2(const GemmArgs& g, std::int64_t m_begin, std::int64_t m_end,
                         std::int64_t n_begin, std::int64_t n_end) {
  alignas(64) float packed[kKc * kNr];
  // One pass even when k == 0, so that the overwrite form still writes bias (or zeros).
  for (std::int64_t k0 = 0;; k0 += kKc) {
    const std::int64_t kc = std::min(kKc, g.k - k0);
    const bool first = k0 == 0;
    const bool load_c = !first || g.accumulate;
    const float* bias = (first && !g.accumulate) ? g.bias : nullptr;
    for (std::int64_t j0 = n_begin; j0 < n_end; j0 += kNr) {
      const int nr = int(std::min<std::int64_t>(kNr, n_end - j0));
      const float* b_panel;
      std::int64_t b_panel_stride;
      if (nr == kNr && g.b_col_stride == 1) {
        b_panel = g.b + k0 * g.b_row_stride + j0;
        b_panel_stride = g.b_row_stride;
      } else {
        // Pack kc x nr of B (any layout) into a zero-padded kc x 16 panel.
        for (int j = 0; j < kNr; ++j) {
          if (j < nr) {
            const float* src = g.b + k0 * g.b_row_stride + (j0 + j) * g.b_col_stride;
            for (std::int64_t p = 0; p < kc; ++p) packed[p * kNr + j] = src[p * g.b_row_stride];
          } else {
            for (std::int64_t p = 0; p < kc; ++p) packed[p * kNr + j] = 0.f;
          }
        }
        b_panel = packed;
        b_panel_stride = kNr;
      }
      for (std::int64_t i0 = m_begin; i0 < m_end; i0 += kMr) {
        const int mr = int(std::min<std::int64_t>(kMr, m_end - i0));
        f32_gemm_ukernel_6x16_avx2(kc, g.a + i0 * g.a_row_stride + k0 * g.a_col_stride,
                                   g.a_row_stride, g.a_col_stride, mr, b_panel, b_panel_stride,
                                   g.c + i0 * g.c_row_stride + j0, g.c_row_stride, nr,
                                   bias ? bias + j0 : nullptr, load_c);
      }
    }
    if (k0 + kKc >= g.k) break;
  }
}

}  // namespace tunas::kernels
