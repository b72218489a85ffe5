// The architecture of a run, resolved from its own space file (space.yaml, so a user YAML
// works) at the network it was searched or trained with, and drawn as an SVG network: per
// layer its kind, kernel, expansion, width, SE and stride, with its share of the cost.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "report/run_reader.h"
#include "search_spaces/network.h"
#include "search_spaces/space.h"

namespace tunas::report {

// The space of the run, configured like the run's network (resolution, channels, classes,
// width multiplier, proxy strides from params.json). Prefers the run's copy space.yaml.
spaces::Space load_run_space(const RunData& run);

struct ArchitectureSummary {
  std::string indices;
  spaces::Network network;
  // Per network layer, then the classifier: the per-layer table latency (ms) of a
  // "--cost-model lut" run whose table is readable, else the layer's MACs.
  std::vector<double> layer_cost;
  std::string cost_name;  // "LUT latency" or "MACs"
  std::int64_t macs = 0, params = 0;
};

ArchitectureSummary summarize_architecture(const RunData& run, const spaces::Space& space,
                                           const std::string& indices);

// <svg class="architecture">: one <g class="layer"> row per computing layer (activations are
// folded into the layer label), blocks banded, residual adds drawn as arcs, and a bar with the
// layer's share of the cost.
std::string architecture_svg(const ArchitectureSummary& arch);

}  // namespace tunas::report
