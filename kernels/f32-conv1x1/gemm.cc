// GEMM dispatch, partitioning and the scalar implementation (see gemm.h).
#include "kernels/f32-conv1x1/gemm.h"

#include <algorithm>
#include <type_traits>

#include "core/cpu.h"
#include "core/error.h"
#include "core/threads.h"
#include "kernels/config.h"

namespace tunas::kernels {

namespace {

// Row granule of a task: a multiple of the 6- and 4-row AVX2 micro-tiles and the row block
// of gemm-avx2.cc. Tasks take 1..8 granules (larger when M is large, so that per-task packing
// of B is amortised and parallel_for overhead stays small).
constexpr std::int64_t kTaskRows = 96;
constexpr std::int64_t kMaxTaskGranules = 8;
constexpr std::int64_t kColGranule = 8;  // column split unit (AVX2 panels are 8, 16 or 24 wide)
constexpr std::int64_t kRowTile = 12;    // row split unit of reductions (6- and 4-row tiles)

using BlockFn = void (*)(const GemmArgs&, std::int64_t, std::int64_t, std::int64_t, std::int64_t);

}  // namespace

void f32_gemm_block_scalar(const GemmArgs& g, std::int64_t m_begin, std::int64_t m_end,
                           std::int64_t n_begin, std::int64_t n_end) {
  for (std::int64_t i = m_begin; i < m_end; ++i) {
    float* c_row = g.c + i * g.c_row_stride;
    const float* a_row = g.a + i * g.a_row_stride;
    if (g.b_col_stride == 1) {
      // Row form: C row += a[i][p] * B row p; the inner loop is contiguous.
      if (!g.accumulate) {
        for (std::int64_t j = n_begin; j < n_end; ++j) c_row[j] = g.bias ? g.bias[j] : 0.f;
      }
      for (std::int64_t p = 0; p < g.k; ++p) {
        const float a_ip = a_row[p * g.a_col_stride];
        const float* b_row = g.b + p * g.b_row_stride;
        for (std::int64_t j = n_begin; j < n_end; ++j) c_row[j] += a_ip * b_row[j];
      }
    } else {
      // Dot form for a transposed B (its columns are contiguous).
      for (std::int64_t j = n_begin; j < n_end; ++j) {
        const float* b_col = g.b + j * g.b_col_stride;
        float sum = 0.f;
        for (std::int64_t p = 0; p < g.k; ++p) {
          sum += a_row[p * g.a_col_stride] * b_col[p * g.b_row_stride];
        }
        if (g.accumulate) {
          c_row[j] += sum;
        } else {
          c_row[j] = sum + (g.bias ? g.bias[j] : 0.f);
        }
      }
    }
  }
}

namespace {

// Runs block() over an m_blocks x n_blocks grid of C, rows in steps of m_step and columns in
// steps of n_step.
void run_grid(const GemmArgs& g, BlockFn block, std::int64_t m_step, std::int64_t n_step) {
  const std::int64_t m_blocks = (g.m + m_step - 1) / m_step;
  const std::int64_t n_blocks = (g.n + n_step - 1) / n_step;
  if (m_blocks * n_blocks == 1) {
    block(g, 0, g.m, 0, g.n);
    return;
  }
  parallel_for(m_blocks * n_blocks, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t m0 = (t / n_blocks) * m_step, n0 = (t % n_blocks) * n_step;
      block(g, m0, std::min(g.m, m0 + m_step), n0, std::min(g.n, n0 + n_step));
    }
  });
}

// Splits C into blocks for the threads. The split changes only which thread computes an
// element, never how (each element is summed over all of K in one order), so the results do
// not depend on it. With one thread C is one task.
//  * Long reductions (backward-weights: K >> M, N): every task streams all of K for its rows
//    of A and its columns of B, so C is cut into one block per thread along the side whose
//    other operand is cheaper to re-read (rows when N <= M: B is re-read; else columns), in
//    whole row tiles / 8-column granules. A 2-D grid of small blocks would re-read both
//    operands and leave 8-wide panels (small N would starve: 2 threads slower than 1).
//  * Otherwise: row blocks of kTaskRows granules, and, when that gives too few tasks for the
//    thread count, column blocks of whole 8-column granules.
void run_partitioned(const GemmArgs& g, BlockFn block) {
  if (g.m <= 0 || g.n <= 0) return;
  const std::int64_t threads = num_threads();
  if (threads == 1) {
    block(g, 0, g.m, 0, g.n);
    return;
  }
  const std::int64_t col_granules = (g.n + kColGranule - 1) / kColGranule;
  if (g.k >= 4 * std::max(g.m, g.n)) {
    const std::int64_t row_tiles = (g.m + kRowTile - 1) / kRowTile;
    if (g.n <= g.m && row_tiles >= threads) {
      run_grid(g, block, (row_tiles + threads - 1) / threads * kRowTile, g.n);
      return;
    }
    if (col_granules >= threads) {
      run_grid(g, block, g.m, (col_granules + threads - 1) / threads * kColGranule);
      return;
    }
  }
  const std::int64_t granules =
      std::clamp<std::int64_t>(g.m / (kTaskRows * 8 * threads), 1, kMaxTaskGranules);
  const std::int64_t m_task = kTaskRows * granules;
  const std::int64_t m_blocks = (g.m + m_task - 1) / m_task;
  const std::int64_t wanted = 4 * threads;
  std::int64_t n_blocks = 1;
  if (m_blocks < wanted) n_blocks = std::min(col_granules, (wanted + m_blocks - 1) / m_blocks);
  const std::int64_t granules_per_block = (col_granules + n_blocks - 1) / n_blocks;
  run_grid(g, block, m_task, granules_per_block * kColGranule);
}

GemmArgs make_args(std::int64_t m, std::int64_t n, std::int64_t k, float* c,
                   std::int64_t c_row_stride, const float* a, std::int64_t a_row_stride,
                   std::int64_t a_col_stride, const float* b, std::int64_t b_row_stride,
                   std::int64_t b_col_stride, const float* bias, bool accumulate) {
  TUNAS_DASSERT(m >= 0 && n >= 0 && k >= 0);
  TUNAS_DASSERT(!(accumulate && bias));
  return GemmArgs{m, n, k, c, c_row_stride, a, a_row_stride, a_col_stride,
                  b, b_row_stride, b_col_stride, bias, accumulate};
}

}  // namespace

namespace gemm_packing {
namespace {
alignas(64) thread_local float t_packed_a[kKcMax * kMc];
alignas(64) thread_local float t_packed_b[kKcMax * (kNc + kMaxPanel)];
}  // namespace
float* packed_a() { return t_packed_a; }
float* packed_b() { return t_packed_b; }
}  // namespace gemm_packing

namespace {

// The dispatch table (kernels/config.h): one slot, the block kernel.
struct GemmTable {
  static constexpr const char* kFamily = "f32-gemm";
  UkernelSlot<std::remove_pointer_t<BlockFn>> block{"block"};
  auto slots() const { return std::tie(block); }
  void fill(Isa cap) {
#define TUNAS_GEMM_UKERNEL(isa, fn) block.offer(Isa::isa, cap, fn, #fn);
#include "kernels/f32-conv1x1/f32-gemm.inc"
#undef TUNAS_GEMM_UKERNEL
  }
};

}  // namespace

void f32_gemm(Isa cap, std::int64_t m, std::int64_t n, std::int64_t k, float* c,
              std::int64_t c_row_stride, const float* a, std::int64_t a_row_stride,
              std::int64_t a_col_stride, const float* b, std::int64_t b_row_stride,
              std::int64_t b_col_stride, const float* bias, bool accumulate) {
  run_partitioned(make_args(m, n, k, c, c_row_stride, a, a_row_stride, a_col_stride, b,
                            b_row_stride, b_col_stride, bias, accumulate),
                  ukernel_table<GemmTable>(cap).block.fn);
}

void f32_gemm(std::int64_t m, std::int64_t n, std::int64_t k, float* c, std::int64_t c_row_stride,
              const float* a, std::int64_t a_row_stride, std::int64_t a_col_stride, const float* b,
              std::int64_t b_row_stride, std::int64_t b_col_stride, const float* bias,
              bool accumulate) {
  f32_gemm(kernel_isa(), m, n, k, c, c_row_stride, a, a_row_stride, a_col_stride, b, b_row_stride,
           b_col_stride, bias, accumulate);
}

void f32_gemm_serial(std::int64_t m, std::int64_t n, std::int64_t k, float* c,
                     std::int64_t c_row_stride, const float* a, std::int64_t a_row_stride,
                     std::int64_t a_col_stride, const float* b, std::int64_t b_row_stride,
                     std::int64_t b_col_stride, const float* bias, bool accumulate) {
  if (m <= 0 || n <= 0) return;
  ukernel_table<GemmTable>(kernel_isa())
      .block(make_args(m, n, k, c, c_row_stride, a, a_row_stride, a_col_stride, b, b_row_stride,
                       b_col_stride, bias, accumulate),
             0, m, 0, n);
}

}  // namespace tunas::kernels
