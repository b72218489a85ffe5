// What tunas_report reads from a run directory of tunas_search or tunas_train: params.json,
// every complete record of log.jsonl (a run still writing it, or killed mid-line, is fine),
// and the outputs that exist so far (final_architecture.json, result.json, latency
// measurements). Nothing is assumed about the space: it is read from the run.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tunas::report {

enum class RunKind { search, train };

// A numeric log.jsonl field over the steps that logged it.
struct Series {
  std::vector<double> steps, values;
  bool empty() const { return steps.empty(); }
};

struct RunData {
  std::string dir;
  RunKind kind = RunKind::search;
  nlohmann::json params;
  std::vector<nlohmann::json> records;                 // log.jsonl, in file order
  std::optional<nlohmann::json> final_architecture;    // search, once written
  std::optional<nlohmann::json> result;                // train, once finished
  // Predicted vs measured latency (ms) of architectures of this run's space, from
  // lut_validation.json (tunas_profile validate --json) and latency_measurement.json
  // (tunas_profile measure) in the run directory, when present.
  std::vector<double> predicted_ms, measured_ms;
  double started_unix = -1;      // the first event file's time (events.out.tfevents.<time>.*)
  double last_write_unix = -1;   // log.jsonl's modification time

  std::int64_t total_steps() const;
  // One past the latest logged step (0 when nothing is logged yet).
  std::int64_t steps_logged() const;
  bool finished() const;
  Series series(const std::string& key) const;
  // The latest record holding `key`; nullptr when none does.
  const nlohmann::json* latest_with(const std::string& key) const;
};

// Throws tunas::Error naming the directory when it does not exist or is not a run of
// tunas_search or tunas_train (no readable params.json), and naming the file for a
// malformed params.json or output file.
RunData read_run(const std::string& dir);

}  // namespace tunas::report
