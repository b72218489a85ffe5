// Limits on the sizes a user can mistype into an out-of-memory kill or an integer overflow
// (batch, replicas, widths, threads, epochs; the option rows that own them check them, see
// run/option_blocks.h), and a memory estimate checked before the supernet is built.
// Shared by tunas_search and tunas_train.
//
// The limits are far above what a CPU run uses; they exist so that "--batch 100000000" or
// "--epochs 1e30" fails at once with the valid range instead of in std::bad_alloc, a
// wrapped product (batch x replicas) or a float-to-integer cast.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"
#include "search_spaces/space.h"

namespace tunas::run {

inline constexpr int kMaxBatch = 65536;
inline constexpr int kMaxReplicas = 4096;
inline constexpr std::int64_t kMaxSyntheticImages = 1'000'000;
inline constexpr double kMaxWidthMultiplier = 16;
inline constexpr int kMaxThreads = 1024;
inline constexpr double kMaxEpochs = 1e6;

// A lower bound on the bytes the forward activations of `batch` images take in the widest
// network of a configured space (every layer's widest output and expanded bottleneck).
double activation_bytes_lower_bound(const spaces::Space& configured, std::int64_t batch);

// Physical memory of this machine in bytes (0 when unknown).
double physical_memory_bytes();

// Throws tunas::Error before anything is allocated when `batch` images (plus `other_bytes`
// of buffers) cannot fit in this machine's memory, naming the estimate and `flags` (the
// settings to lower, e.g. "--batch or --resolution").
void check_fits_in_memory(const spaces::Space& configured, std::int64_t batch, double other_bytes,
                          const std::string& flags);

}  // namespace tunas::run
