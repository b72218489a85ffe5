// Single-precision GEMM on strided operands: the engine behind every 1x1 convolution,
// the SE 1x1 convolutions and the classifier (kernels/f32-conv1x1, f32-se, f32-dense).
//
//   C[m][n] = A[m][:] . B[:][n] (+ bias[n])      when accumulate == false (overwrite)
//   C[m][n] += A[m][:] . B[:][n]                  when accumulate == true  (bias must be null)
//
//   A element (i, p) at a[i * a_row_stride + p * a_col_stride]   (M x K)
//   B element (p, j) at b[p * b_row_stride + j * b_col_stride]   (K x N)
//   C element (i, j) at c[i * c_row_stride + j]                  (M x N, columns contiguous)
//
// Either A or B may be transposed in memory (a column stride of 1 or a row stride of 1),
// which is how forward, backward-data and backward-weights of a 1x1 conv share one GEMM.
// Only the M x N block of C is written; nothing past column N-1 of a row is touched, so C
// may be a channel prefix of a wider buffer. C must not alias A or B.
//
// Work is split over tunas::parallel_for in blocks of C. Every element of C is summed over
// K in one fixed order whatever the partition, so results are bitwise independent of the
// thread count. No heap allocation per call: the vector paths pack into two thread_local
// buffers of fixed size shared by the ISAs (96 KiB for A, 304 KiB for B per thread, static
// TLS, sized once).
// Thread-safety: reentrant; concurrent calls must write disjoint C.
#pragma once

#include <cstdint>

#include "core/cpu.h"

namespace tunas::kernels {

// Runs the block kernel listed in f32-gemm.inc that the CPU and TUNAS_MAX_ISA allow
// (kernels/config.h: AVX-512, else AVX2+FMA when allowed, else scalar).
void f32_gemm(std::int64_t m, std::int64_t n, std::int64_t k, float* c, std::int64_t c_row_stride,
              const float* a, std::int64_t a_row_stride, std::int64_t a_col_stride, const float* b,
              std::int64_t b_row_stride, std::int64_t b_col_stride, const float* bias,
              bool accumulate);

// The same with the table of an ISA cap (tests, benchmarks): an ISA that is not allowed here
// falls back to the best one allowed below it.
void f32_gemm(Isa cap, std::int64_t m, std::int64_t n, std::int64_t k, float* c,
              std::int64_t c_row_stride, const float* a, std::int64_t a_row_stride,
              std::int64_t a_col_stride, const float* b, std::int64_t b_row_stride,
              std::int64_t b_col_stride, const float* bias, bool accumulate);

// The first form computed on the calling thread only, for callers that already split the work
// over threads (the 1x1 conv fused with a batch norm, kernels/f32-conv1x1/conv1x1.h).
void f32_gemm_serial(std::int64_t m, std::int64_t n, std::int64_t k, float* c,
                     std::int64_t c_row_stride, const float* a, std::int64_t a_row_stride,
                     std::int64_t a_col_stride, const float* b, std::int64_t b_row_stride,
                     std::int64_t b_col_stride, const float* bias, bool accumulate);

// Block of C [m_begin, m_end) x [n_begin, n_end) computed single-threaded (internal: the
// parallel drivers above split C into such blocks; the block kernels of f32-gemm.inc).
// The _avx2 / _avx512 ones must only be called when tunas::cpu_has(Isa::avx2 / avx512).
struct GemmArgs {
  std::int64_t m, n, k;
  float* c;
  std::int64_t c_row_stride;
  const float* a;
  std::int64_t a_row_stride, a_col_stride;
  const float* b;
  std::int64_t b_row_stride, b_col_stride;
  const float* bias;
  bool accumulate;
};
void f32_gemm_block_scalar(const GemmArgs& args, std::int64_t m_begin, std::int64_t m_end,
                           std::int64_t n_begin, std::int64_t n_end);
void f32_gemm_block_avx2(const GemmArgs& args, std::int64_t m_begin, std::int64_t m_end,
                         std::int64_t n_begin, std::int64_t n_end);
void f32_gemm_block_avx512(const GemmArgs& args, std::int64_t m_begin, std::int64_t m_end,
                           std::int64_t n_begin, std::int64_t n_end);

// Internal: the per-thread packing buffers of the vector block kernels (gemm-simd.h), one
// pair per thread shared by every ISA: static TLS of fixed size, never allocated per call.
namespace gemm_packing {
constexpr std::int64_t kKcMax = 256;  // k block
constexpr std::int64_t kMc = 96;      // row block
constexpr std::int64_t kNc = 256;     // column block
constexpr int kMaxPanel = 48;         // widest B panel (3 AVX-512 vectors)
float* packed_a();  // kKcMax * kMc floats
float* packed_b();  // kKcMax * (kNc + kMaxPanel) floats
}  // namespace gemm_packing

}  // namespace tunas::kernels
