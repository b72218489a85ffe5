#include "latency/lut_cost_model.h"

#include "core/error.h"
#include "search_spaces/expected_cost.h"
#include "search_spaces/network.h"

namespace tunas::latency {

LutCostModel::LutCostModel(const spaces::Space& space, LutTable table, std::string file)
    : CostModel(space), table_(std::move(table)), file_(std::move(file)) {
  const std::string mismatch = table_.settings.network_mismatch(LutSettings::of(space));
  TUNAS_REQUIRE(mismatch.empty(), "latency table ", file_,
                " was measured for another network (", mismatch,
                "); re-run tunas_profile with the same settings");
  for (const LutEntry& e : table_.entries) ms_[e.config.key()] = e.timing.median_ms;
}

double LutCostModel::entry_ms(const LayerConfig& c, const std::string& layer) const {
  const auto it = ms_.find(c.key());
  if (it == ms_.end()) {
    throw Error(str_cat("latency table ", file_, " has no entry for configuration '", c.key(),
                        "' (layer ", layer,
                        "); the table is incomplete or from another space: re-run tunas_profile",
                        table_.complete() ? "" : " --resume"));
  }
  return it->second;
}

double LutCostModel::raw_sum(const spaces::Network& net) const {
  double sum = 0;
  for (const spaces::ResolvedLayer& l : net.layers) sum += entry_ms(config_of(l), l.path);
  return sum + entry_ms(classifier_config(net), "classifier");
}

double LutCostModel::corrected(double raw) const {
  return table_.correction ? table_.correction->scale * raw + table_.correction->offset_ms : raw;
}

double LutCostModel::cost(const spaces::Masks& masks) const {
  return corrected(spaces::expected_network_cost(
      space(), masks, [this](const spaces::ResolvedLayer& l) { return entry_ms(config_of(l), l.path); },
      [this](const spaces::Network& head) { return entry_ms(classifier_config(head), "classifier"); }));
}

std::unique_ptr<spaces::CostModel> make_lut_cost_model(const spaces::Space& space,
                                                       const spaces::CostModelOptions& options) {
  TUNAS_REQUIRE(!options.file.empty(),
                "cost model 'lut' needs a latency table file (--lut FILE, written by tunas_profile)");
  return std::make_unique<LutCostModel>(space, LutTable::load(options.file), options.file);
}

void register_latency_cost_models() {
  for (const auto& e : spaces::cost_model_registry())
    if (std::string(e.name) == "lut") return;
  spaces::register_cost_model({"lut",
                               "latency lookup table measured on this machine (ms; tunas_profile)",
                               &make_lut_cost_model});
}

}  // namespace tunas::latency
