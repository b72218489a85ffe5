// Shared by the benchmarks that time ours against a peer in the same process
// (tunas_bench_kernels, tunas_bench_block): aligned buffers, paired best-of timing and the
// correctness check each row runs once before it is timed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"
#include "run/option_table.h"

namespace tunas::bench {

struct Buffer {
  AlignedPtr<float> data;
  std::size_t count = 0;
  // Uniform in [-1, 1) when rng is given, else uninitialised.
  explicit Buffer(std::size_t n, Rng* rng = nullptr)
      : data(aligned_array<float>(std::max<std::size_t>(n, 1))), count(n) {
    if (rng) {
      for (std::size_t i = 0; i < n; ++i) data[i] = rng->uniform() * 2.f - 1.f;
    }
  }
  float* get() const { return data.get(); }
  void zero() { std::memset(data.get(), 0, count * sizeof(float)); }
};

inline double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// Best (minimum) wall times (ms) of ours() and theirs(), after one warm-up call each. The
// calls alternate so that a background load (the machine is shared with other jobs) hits
// both sides alike, and the minimum is the run least disturbed by it. At least `min_reps`
// pairs, and more until `min_seconds` have passed (at most 200). Also the best process CPU
// time of each (all threads of the process summed: on a loaded machine it does not count
// the time the process waits for a core, so it is steadier than wall time).
struct Timing {
  double ours_ms = 0, theirs_ms = 0;
  double ours_cpu_ms = 0, theirs_cpu_ms = 0;
};
inline Timing time_pair(int min_reps, double min_seconds, const std::function<void()>& ours,
                        const std::function<void()>& theirs) {
  ours();
  theirs();
  std::vector<double> a, b, a_cpu, b_cpu;
  const auto run = [](const std::function<void()>& f, std::vector<double>& wall,
                      std::vector<double>& cpu) {
    const double c0 = process_cpu_seconds(), t0 = seconds_now();
    f();
    wall.push_back((seconds_now() - t0) * 1e3);
    cpu.push_back((process_cpu_seconds() - c0) * 1e3);
  };
  const double start = seconds_now();
  while (int(a.size()) < min_reps || (seconds_now() - start < min_seconds && a.size() < 200)) {
    run(ours, a, a_cpu);
    run(theirs, b, b_cpu);
  }
  const auto best = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  return {best(a), best(b), best(a_cpu), best(b_cpu)};
}

// max |a - b| <= tol * max(1, max |b|), else a tool error naming the row.
inline void check_equal(const char* what, const std::string& row, const float* a, const float* b,
                        std::size_t n, double tol) {
  double max_diff = 0, max_ref = 0;
  std::size_t where = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::fabs(double(a[i]) - b[i]);
    if (d > max_diff) max_diff = d, where = i;
    max_ref = std::max(max_ref, std::fabs(double(b[i])));
  }
  TUNAS_REQUIRE(max_diff <= tol * std::max(1.0, max_ref), "benchmark check failed: ", row, " ",
                what, ": ours ", a[where], " vs the peer ", b[where], " at index ", where,
                " (max |diff| ", max_diff, ", max |ref| ", max_ref, ")");
}

// ||a - b||_2 <= tol * ||b||_2, else a tool error naming the row.
inline void check_close_l2(const char* what, const std::string& row, const float* a,
                           const float* b, std::size_t n, double tol) {
  double diff = 0, ref = 0;
  for (std::size_t i = 0; i < n; ++i) {
    diff += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    ref += double(b[i]) * b[i];
  }
  TUNAS_REQUIRE(std::sqrt(diff) <= tol * std::sqrt(ref), "benchmark check failed: ", row, " ",
                what, ": relative L2 error ", std::sqrt(diff / std::max(ref, 1e-300)),
                " above ", tol);
}

// "1,2" -> {1, 2}: a comma-separated list of thread counts in [1, 256] for `flag`.
inline std::vector<int> parse_thread_counts(const std::string& s, const char* flag) {
  std::vector<int> v;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    const std::size_t comma = std::min(s.find(',', pos), s.size());
    const std::int64_t t = parse_integer_option(s.substr(pos, comma - pos), flag);
    TUNAS_REQUIRE(t >= 1 && t <= 256, flag, ": each count must be in [1, 256], got ", t);
    v.push_back(int(t));
    pos = comma + 1;
  }
  return v;
}

}  // namespace tunas::bench
