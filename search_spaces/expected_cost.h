// The cost of fractional masks (warm-up) for costs that add up over the layers of a resolved
// network: the macs, params and lut cost models.
//
// Spec §4.3 costs the masks as given, warm-up masks included; the Pixel-1 model does it
// through its linear form, whose features are products of one mask entry per decision. The
// same reading for a per-layer cost: every mask is the distribution of its decision (one-hot:
// that choice; op warm-up's 1/n: each choice with weight 1/n), decisions independent, and
//   cost(masks) = sum over architectures a of  prod_d masks[d][a_d] * cost(resolve(a)).
// For one-hot masks that is the architecture's cost, bit for bit. A layer's cost depends only
// on its own decisions and its input and output widths (Layer::shape), so the sum is taken
// layer by layer over those few decisions, never over whole architectures.
#pragma once

#include <functional>

#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "search_spaces/space.h"

namespace tunas::spaces {

using LayerCost = std::function<double(const ResolvedLayer& layer)>;
// The classifier's cost, from a Network with no layers whose feature_channels, feature_size,
// classes, resolution and input_channels are set.
using HeadCost = std::function<double(const Network& head)>;

// sum_l E[layer_cost(layer l)] + E[head_cost], in layer order, head last. Throws tunas::Error
// when masks do not fit the space (check_masks) or a combination of non-zero mask entries
// is not an architecture (resolve's errors).
double expected_network_cost(const Space& space, const Masks& masks, const LayerCost& layer_cost,
                             const HeadCost& head_cost);

}  // namespace tunas::spaces
