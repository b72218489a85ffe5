// Helpers shared by the doctest suites: replayable seeds, random fills, tolerant compares.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"

namespace tunas::test {

// The suite's base seed: TUNAS_TEST_SEED when set, else a fixed default. Printed at start.
std::uint64_t base_seed();
// A generator for one test: the base seed and a stream named after the test.
Rng make_rng(const std::string& test_name);

// Uniform values in [lo, hi).
void fill_uniform(Rng& rng, float* data, std::size_t count, float lo = -1.f, float hi = 1.f);
std::vector<float> random_vector(Rng& rng, std::size_t count, float lo = -1.f, float hi = 1.f);

// |actual - expected| <= max(abs_tol, rel_tol * |expected|) for every element. On the first
// failure returns false and writes the index and both values into *message.
bool all_close(const float* actual, const float* expected, std::size_t count, double abs_tol,
               double rel_tol, std::string* message);
bool all_close(const double* actual, const double* expected, std::size_t count, double abs_tol,
               double rel_tol, std::string* message);

}  // namespace tunas::test

// CHECK that two float ranges match within tolerance, printing the first mismatch.
#define TUNAS_CHECK_CLOSE(actual, expected, count, abs_tol, rel_tol)                  \
  do {                                                                               \
    std::string tunas_close_msg_;                                                    \
    const bool tunas_close_ok_ = ::tunas::test::all_close((actual), (expected), (count), \
                                                          (abs_tol), (rel_tol), &tunas_close_msg_); \
    INFO(tunas_close_msg_);                                                          \
    CHECK(tunas_close_ok_);                                                          \
  } while (0)
