// The TuNAS simulated Pixel-1 latency model (spec §5, COST_MODEL.md):
//   latency_ms = bias + dot(kernel, phi(masks))
// with per-space weights from search_spaces/data/tunas_cost_model.json.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "search_spaces/cost_model.h"

namespace tunas::spaces {

// The feature vector phi of spec §5.2 for per-decision masks (fractional masks allowed):
// per layer kron(kron(out, in), F(layer)) with out/in the block width masks (no `in` for
// the network's first layer), F = kron over fields, concatenation m_i * F(choice_i) over a
// decision; length-1 segments are dropped; [1] when nothing is left.
std::vector<double> pixel1_features(const Space& space, const Masks& masks);

struct Pixel1Weights {
  std::vector<double> kernel;
  double bias = 0;
};
// Reads the weights of one TuNAS space from a tunas_cost_model.json file (cached per file).
// Errors name the file and the spaces it holds.
Pixel1Weights load_pixel1_weights(const std::string& file, const std::string& space_name);

// Uses space.pixel1_weights to pick the weights; throws when it is empty or the feature
// length does not match.
std::unique_ptr<CostModel> make_pixel1_cost_model(const Space& space, const CostModelOptions& options);

}  // namespace tunas::spaces
