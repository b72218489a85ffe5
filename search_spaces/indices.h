// Architectures as index vectors (spec §1.4) and as per-decision mask vectors (spec §3.1).
#pragma once

#include <string>
#include <vector>

#include "core/rng.h"
#include "search_spaces/space.h"

namespace tunas::spaces {

// One choice index per decision of Space::decisions, in canonical order.
using Indices = std::vector<int>;
// One float vector per decision, of length Decision::size(): one-hot for a sampled
// architecture, 1/n everywhere for op warm-up, one-hot at largest_choice for filter warm-up.
using Masks = std::vector<std::vector<float>>;

// Parses "i:j:k:..." (white space around the string and around entries is ignored). The
// count must equal the number of decisions and every entry must be in [0, size). An empty
// string is accepted only when every decision has one choice (the fixed reference
// architectures), and means all zeros. Errors name the position, the decision path and the
// valid range.
Indices parse_indices(const Space& space, const std::string& text);
// "i:j:k:..."
std::string format_indices(const Indices& indices);
// Every decision drawn uniformly and independently, in decision order (the sampler of the
// random-search baseline, spec §7.4; tunas_arch sample and the latency tools share it).
Indices uniform_indices(const Space& space, Rng& rng);
// Throws unless indices has one in-range entry per decision.
void check_indices(const Space& space, const Indices& indices);

Masks one_hot_masks(const Space& space, const Indices& indices);
// Throws unless masks has one vector per decision of the right length, all finite.
void check_masks(const Space& space, const Masks& masks);
// Arg-max per mask, ties to the lowest index (the selection rule of spec §3.4).
Indices argmax_indices(const Masks& masks);

}  // namespace tunas::spaces
