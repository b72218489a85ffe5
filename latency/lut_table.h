// The latency lookup table file (JSON) written by tunas_profile and read by the "lut" cost
// model:
//   {"format": "tunas_lut/1",
//    "machine": {"cpu", "cores", "isa"},
//    "settings": {"space", "resolution", "input_channels", "classes", "width_multiplier",
//                 "stride_overrides": {path: s}, "batch", "threads", "warmup", "repeats",
//                 "method", "contexts", "rounds"},
//    "num_configs": N (what the space enumerates), "complete": bool,
//    "entries": [{"key", kind, widths, ..., "median_ms", "p10_ms", "p90_ms"}, ...],
//    "correction": {"scale", "offset_ms", "source"}   (optional, from the validation fit)}
// Written atomically (core/files.h); read with nlohmann-json (core/json.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "latency/layer_config.h"
#include "latency/runner.h"
#include "search_spaces/space.h"

namespace tunas::latency {

struct LutSettings {
  std::string space;  // Space::name
  int resolution = 0, input_channels = 0, classes = 0;
  double width_multiplier = 1;
  std::map<std::string, int> stride_overrides;
  int batch = 1, threads = 1, warmup = 0, repeats = 0;
  // How entries were timed (profile.h): "in_network" (each layer inside sampled whole
  // networks; `contexts` networks per configuration at least, `rounds` passes over them) or
  // "isolated" (a runner holding the one layer). Tables without the field are "isolated".
  std::string method = "isolated";
  int contexts = 0, rounds = 0;

  static LutSettings of(const spaces::Space& space);  // network fields only
  // "" when the network fields (space .. stride_overrides) agree, else a description of
  // every difference ("resolution: table 32, network 224; ...").
  std::string network_mismatch(const LutSettings& other) const;
};

struct Machine {
  std::string cpu;  // "model name" of /proc/cpuinfo ("unknown" when absent)
  int cores = 0;    // std::thread::hardware_concurrency
  std::string isa;  // tunas::best_isa
  static Machine here();
};

struct Correction {
  double scale = 1, offset_ms = 0;
  std::string source;  // how it was fitted
};

struct LutEntry {
  LayerConfig config;
  Timing timing;
};

struct LutTable {
  Machine machine;
  LutSettings settings;
  int num_configs = 0;
  std::vector<LutEntry> entries;
  std::optional<Correction> correction;

  bool complete() const { return num_configs > 0 && int(entries.size()) >= num_configs; }
  // nullptr when the key is absent.
  const LutEntry* find(const std::string& key) const;
  std::string to_json() const;
  static LutTable from_json_text(const std::string& text, const std::string& origin);
  static LutTable load(const std::string& path);  // throws tunas::Error naming the path
  void save(const std::string& path) const;       // atomic
};

}  // namespace tunas::latency
