// Helpers shared by the "ops" kernel tests (test_conv1x1.cc, test_bn.cc, ...): buffers with a
// sentinel outside the channel prefix, thread-count comparisons and double-precision finite
// differences. Header-only; not a test file itself (the glob takes test_*.cc only).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/threads.h"
#include "tests/test_util.h"

namespace tunas::test::ops {

// Value written everywhere a kernel must not write (outside the channel prefix).
inline constexpr float kSentinel = -12345.5f;

// rows x stride buffer: the first `channels` entries of each row random, the rest kSentinel.
inline std::vector<float> prefix_buffer(Rng& rng, std::int64_t rows, int channels,
                                        std::int64_t stride, float lo = -1.f, float hi = 1.f) {
  std::vector<float> v(std::size_t(rows * stride), kSentinel);
  for (std::int64_t r = 0; r < rows; ++r) fill_uniform(rng, v.data() + r * stride, channels, lo, hi);
  return v;
}

// True when every element outside the first `channels` of each row equals kSentinel.
inline bool outside_prefix_untouched(const std::vector<float>& v, int channels, std::int64_t stride) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::int64_t(i) % stride >= channels && v[i] != kSentinel) {
      INFO("index " << i << " (row " << std::int64_t(i) / stride << ", column "
                    << std::int64_t(i) % stride << ") = " << v[i]);
      return false;
    }
  }
  return true;
}

// Copies the channel prefix of every row into a dense rows x channels vector of doubles.
inline std::vector<double> prefix_to_double(const std::vector<float>& v, std::int64_t rows,
                                            int channels, std::int64_t stride) {
  std::vector<double> d(std::size_t(rows * channels));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < channels; ++c) d[r * channels + c] = v[r * stride + c];
  }
  return d;
}

// Compares the channel prefix of a strided float buffer with a dense double reference, with
// tolerance max(abs_tol, rel_tol * |ref|); reports the first mismatch with row and channel.
inline bool prefix_close(const std::vector<float>& actual, const std::vector<double>& expected,
                         std::int64_t rows, int channels, std::int64_t stride, double abs_tol,
                         double rel_tol) {
  for (std::int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < channels; ++c) {
      const double a = actual[r * stride + c], e = expected[r * channels + c];
      if (!(std::fabs(a - e) <= std::max(abs_tol, rel_tol * std::fabs(e)))) {
        INFO("row " << r << " channel " << c << ": actual " << a << " expected " << e
                    << " seed " << base_seed());
        return false;
      }
    }
  }
  return true;
}

// Runs `compute` once with 1 thread and once with 2 and checks the outputs are bitwise equal.
inline void check_threads_bitwise(const std::function<std::vector<float>()>& compute) {
  set_num_threads(1);
  const std::vector<float> one = compute();
  set_num_threads(2);
  const std::vector<float> two = compute();
  set_num_threads(0);
  REQUIRE(one.size() == two.size());
  CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
}

// Central finite differences of a double-precision scalar function at x.
inline std::vector<double> fd_gradient(std::vector<double> x,
                                       const std::function<double(const std::vector<double>&)>& f,
                                       double h = 1e-6) {
  std::vector<double> g(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double saved = x[i];
    x[i] = saved + h;
    const double up = f(x);
    x[i] = saved - h;
    const double down = f(x);
    x[i] = saved;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

}  // namespace tunas::test::ops
