// Cost models behind one interface, created by name from an explicit registry (STYLE G16).
//
//   auto model = make_cost_model("tunas_pixel1", space);
//   double ms = model->cost(masks);          // one float vector per decision
//   double ms2 = model->cost_of(indices);    // one-hot masks from an index vector
//
// Registered here: "tunas_pixel1" (TuNAS simulated Pixel-1 latency, ms, linear in the spec
// §5.2 features), "macs" and "params" (exact counts of the network resolved at space.network).
// "lut" (latency/lut_cost_model.h, a table measured on this machine) lives in a library above
// this one and is appended by register_cost_model() from each tool's main().
// Every model costs the masks as given (spec §4.3): fractional warm-up masks too, the count
// models and "lut" as the expectation of expected_cost.h. A new model is one more entry in
// cost_model.cc's table, or a register_cost_model() call when its library sits above this one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "search_spaces/indices.h"
#include "search_spaces/space.h"

namespace tunas::spaces {

class CostModel {
 public:
  explicit CostModel(Space space) : space_(std::move(space)) {}
  virtual ~CostModel() = default;
  virtual std::string name() const = 0;
  virtual std::string unit() const = 0;  // "ms", "MACs", "parameters", ...
  // Throws tunas::Error when masks do not fit the space (check_masks).
  virtual double cost(const Masks& masks) const = 0;
  // cost(one_hot_masks(space(), indices)).
  double cost_of(const Indices& indices) const;
  const Space& space() const { return space_; }

 private:
  Space space_;  // a copy: the model does not depend on the caller's space staying alive
};

struct CostModelOptions {
  // A model-specific data file; empty means the model's default (tunas_pixel1:
  // data_file("tunas_cost_model.json")).
  std::string file;
};

using CostModelFactory = std::unique_ptr<CostModel> (*)(const Space& space,
                                                        const CostModelOptions& options);
struct CostModelEntry {
  const char* name;
  const char* description;
  CostModelFactory make;
};

// The registry, in display order.
const std::vector<CostModelEntry>& cost_model_registry();
// Appends a model defined in a library that cannot be linked from here (e.g. "lut" in latency/,
// which depends on supernet/ and so on this library). An explicit call from main() or a test,
// never a static initialiser (STYLE G16); not thread-safe: call it before any make_cost_model.
// Throws tunas::Error when the name is already registered.
void register_cost_model(const CostModelEntry& entry);
std::vector<std::string> cost_model_names();

// Throws tunas::Error for an unknown name (listing the valid ones) or when the model does not
// apply to the space (e.g. no Pixel-1 weights for it).
std::unique_ptr<CostModel> make_cost_model(const std::string& name, const Space& space,
                                           const CostModelOptions& options = {});

}  // namespace tunas::spaces
