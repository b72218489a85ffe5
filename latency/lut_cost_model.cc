#include "latency/lut_cost_model.h"

#include "core/error.h"
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

double LutCostModel::raw_sum(const spaces::Network& net) const {
  double sum = 0;
  for (std::size_t i = 0; i <= net.layers.size(); ++i) {
    const LayerConfig c = i < net.layers.size() ? config_of(net.layers[i]) : classifier_config(net);
    const auto it = ms_.find(c.key());
    if (it == ms_.end()) {
      throw Error(str_cat("latency table ", file_, " has no entry for configuration '", c.key(),
                          "' (layer ", i < net.layers.size() ? net.layers[i].path : "classifier",
                          "); the table is incomplete or from another space: re-run tunas_profile",
                          table_.complete() ? "" : " --resume"));
    }
    sum += it->second;
  }
  return sum;
}

double LutCostModel::corrected(double raw) const {
  return table_.correction ? table_.correction->scale * raw + table_.correction->offset_ms : raw;
}

double LutCostModel::cost(const spaces::Masks& masks) const {
  spaces::check_masks(space(), masks);
  return corrected(raw_sum(spaces::resolve(space(), spaces::argmax_indices(masks))));
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
