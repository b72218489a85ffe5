// The "lut" cost model: the latency (ms) of the network resolved at space.network as the sum
// of the lookup table's median per-layer times over its layers and classifier, then
// scale * sum + offset when the table carries a fitted correction. Fractional masks (warm-up)
// give the expected latency (search_spaces/expected_cost.h), as they do for every cost model.
//
// Errors (tunas::Error): no --lut file; the table's network settings (space name, resolution,
// input channels, classes, width multiplier, stride overrides) differ from space.network; a
// layer configuration missing from the table (the message names the key, the layer and the file).
//
// Registration: search_spaces cannot link this library (it depends on search_spaces), so
// main() of each tool calls register_latency_cost_models() once (STYLE G16: explicit, no
// static initialisers). Calling it again is a no-op.
#pragma once

#include <memory>

#include "latency/lut_table.h"
#include "search_spaces/cost_model.h"

namespace tunas::latency {

class LutCostModel final : public spaces::CostModel {
 public:
  LutCostModel(const spaces::Space& space, LutTable table, std::string file);
  std::string name() const override { return "lut"; }
  std::string unit() const override { return "ms"; }
  double cost(const spaces::Masks& masks) const override;
  // The sum of table entries for a resolved network, before any correction.
  double raw_sum(const spaces::Network& net) const;
  double corrected(double raw) const;
  const LutTable& table() const { return table_; }

 private:
  // The table's median for one configuration; throws naming the key, the layer and the file.
  double entry_ms(const LayerConfig& config, const std::string& layer) const;

  LutTable table_;
  std::string file_;
  std::map<std::string, double> ms_;
};

std::unique_ptr<spaces::CostModel> make_lut_cost_model(const spaces::Space& space,
                                                       const spaces::CostModelOptions& options);
void register_latency_cost_models();

}  // namespace tunas::latency
