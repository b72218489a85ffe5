// Profiling a space into a latency table, and measuring whole networks with the same runner.
#pragma once

#include <functional>
#include <string>

#include "latency/lut_table.h"
#include "search_spaces/indices.h"

namespace tunas::latency {

struct ProfileOptions {
  int batch = 1, threads = 1, warmup = 10, repeats = 30;
  std::string out;         // table file, written atomically every `save_every` entries and at the end
  bool resume = false;     // keep the entries of an existing `out` (same settings) and continue
  int save_every = 8;
  bool progress = true;    // one stderr line per entry with an ETA
  // Times one configuration; default: a one-layer InferenceRunner through time_runner. Tests
  // replace it to stay fast and deterministic.
  std::function<Timing(const LayerConfig&)> timer;
};

// Enumerates the space's configurations and times the ones not yet in the table.
LutTable profile_space(const spaces::Space& space, const ProfileOptions& options);

// End-to-end time of one architecture: every layer + the classifier in one InferenceRunner.
Timing measure_network(const spaces::Space& space, const spaces::Indices& indices, int batch,
                       int warmup, int repeats);

}  // namespace tunas::latency
