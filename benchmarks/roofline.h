// The two machine limits of a roofline, measured by the benchmark itself at start:
//   * FMA peak: `threads` threads each run 10 independent chains of 8-wide AVX2 FMAs (two FMA
//     pipes x 5 cycles latency on Zen 2 / Skylake) on registers, no memory traffic;
//   * bandwidth: a STREAM-triad-like a[i] = b[i] + s * c[i] over 3 x 64 MiB arrays (far past
//     the last-level cache), split into `threads` contiguous parts, counted as STREAM counts
//     it (12 bytes per element: two reads and one write, no write-allocate read).
// Both are the best of a few repetitions. A kernel row's bound is
//   min(peak, bandwidth * flops / bytes)
// and its roofline share is its achieved GFLOP/s over that bound. AVX2 peak only: the kernels
// timed here are AVX2 ones (on an AVX-512 machine the AVX-512 peak is higher).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

#include "benchmarks/bench_timing.h"
#include "core/cpu.h"

namespace tunas::bench {

struct MachineLimits {
  int threads = 1;
  double fma_gflops = 0;  // AVX2 FMA peak over `threads` threads
  double triad_gbps = 0;  // STREAM-triad bandwidth over `threads` threads
  // The roofline bound (GFLOP/s) of a kernel with this arithmetic intensity.
  double bound_gflops(double flops, double bytes) const {
    return std::min(fma_gflops, triad_gbps * flops / bytes);
  }
};

namespace roofline_detail {

// Runs body(t) on `threads` std::threads at once (TBB could run two tasks on one thread).
template <typename Body>
double best_seconds(int threads, int reps, const Body& body) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    std::vector<std::thread> pool;
    const double t0 = seconds_now();
    for (int t = 0; t < threads; ++t) pool.emplace_back([&body, t] { body(t); });
    for (std::thread& th : pool) th.join();
    best = std::min(best, seconds_now() - t0);
  }
  return best;
}

constexpr long kFmaIterations = 20'000'000;  // 10 chains x 8 lanes x 2 flops each: 3.2 GFLOP
constexpr int kFmaChains = 10;

__attribute__((target("avx2,fma"))) inline float fma_loop(float seed) {
  __m256 acc[kFmaChains];
  for (int i = 0; i < kFmaChains; ++i) acc[i] = _mm256_set1_ps(seed + float(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < kFmaIterations; ++it) {
    for (int i = 0; i < kFmaChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kFmaChains; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  return out[0];
}

}  // namespace roofline_detail

// Needs AVX2+FMA (the caller checks tunas::cpu_has(Isa::avx2)).
inline MachineLimits measure_machine_limits(int threads) {
  using namespace roofline_detail;
  MachineLimits m;
  m.threads = threads;
  std::vector<float> sink(std::size_t(threads), 0.f);
  const double fma_s = best_seconds(threads, 3, [&](int t) { sink[std::size_t(t)] = fma_loop(float(t)); });
  m.fma_gflops = double(threads) * kFmaIterations * kFmaChains * 8 * 2 / fma_s * 1e-9;

  const std::size_t n = std::size_t(16) << 20;  // 16 Mi floats = 64 MiB per array
  Buffer a(n), b(n), c(n);
  for (std::size_t i = 0; i < n; ++i) a.get()[i] = 0.f, b.get()[i] = 1.f, c.get()[i] = 2.f;
  const std::size_t part = (n + std::size_t(threads) - 1) / std::size_t(threads);
  const float s = 0.5f + sink[0] * 0.f;
  const double triad_s = best_seconds(threads, 5, [&](int t) {
    const std::size_t begin = std::size_t(t) * part, end = std::min(n, begin + part);
    float* pa = a.get();
    const float* pb = b.get();
    const float* pc = c.get();
    for (std::size_t i = begin; i < end; ++i) pa[i] = pb[i] + s * pc[i];
  });
  m.triad_gbps = 12.0 * double(n) / triad_s * 1e-9;
  return m;
}

}  // namespace tunas::bench
