// Profiling a space into a latency table, and measuring whole networks with the same runner.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "latency/lut_table.h"
#include "search_spaces/indices.h"

namespace tunas::latency {

// Two ways to time a configuration:
//  * in_network (default): every layer is timed where it runs in practice, inside whole
//    networks of the space (uniform samples, kept until every configuration appears in at
//    least `contexts` of them), a clock read between layers; `rounds` passes over those
//    networks, each run `warmup` times untimed and `repeats` times timed; the entry is the
//    median of all its samples. A layer then pays what it pays in a network: weights that
//    the other layers evicted from L1/L2, an input the previous layer just wrote, cold branch
//    predictors and instruction cache. A layer timed alone in a loop keeps all of these warm,
//    and whole networks then take 1.2-1.6x the sum of their isolated layers
//    (docs/lut_validation.md). Configurations no sampled network holds fall back to isolated.
//  * isolated: a runner holding the one layer, warm-up then timed runs (the NetAdapt way).
struct ProfileOptions {
  int batch = 1, threads = 1, warmup = 10, repeats = 30;
  std::string method = "in_network";  // or "isolated"
  int contexts = 4, rounds = 3;       // in_network only
  std::uint64_t seed = 0;             // in_network: which networks are sampled
  std::string out;         // table file, written atomically every `save_every` entries and at the end
  bool resume = false;     // keep the entries of an existing `out` (same settings) and continue
  int save_every = 8;
  bool progress = true;    // one stderr line per entry with an ETA
  // isolated: times one configuration; default: a one-layer InferenceRunner through
  // time_runner. Tests replace it to stay fast and deterministic.
  std::function<Timing(const LayerConfig&)> timer;
};

// Enumerates the space's configurations and times the ones not yet in the table.
LutTable profile_space(const spaces::Space& space, const ProfileOptions& options);

// End-to-end time of one architecture: every layer + the classifier in one InferenceRunner.
Timing measure_network(const spaces::Space& space, const spaces::Indices& indices, int batch,
                       int warmup, int repeats);

}  // namespace tunas::latency
