#include "search_spaces/expected_cost.h"

#include <set>
#include <vector>

#include "core/error.h"

namespace tunas::spaces {
namespace {

void collect_decisions(const Layer& layer, std::set<int>& out) {
  for (int d : {layer.kernel_size.decision, layer.expansion.decision, layer.use_se.decision,
                layer.decision})
    if (d >= 0) out.insert(d);
  for (const Layer& child : layer.children) collect_decisions(child, out);
}

// The width a filters decision gives, as picked by indices (-1: the network input).
int width_of(const Space& space, int filters_decision, const Indices& indices) {
  if (filters_decision < 0) return space.network.input_channels;
  for (std::size_t b = 0; b < space.blocks.size(); ++b)
    if (space.blocks[b].filters_decision == filters_decision)
      return space.block_width(static_cast<int>(b), indices);
  throw Error(str_cat(space.name, ": decision ", filters_decision, " is no block's filters"));
}

// Calls visit(indices, weight) for every combination of the non-zero mask entries of the
// decisions `ds`; weight is the product of those entries. Other entries of indices are left
// as they are.
void for_each_weighted(const Masks& masks, const std::vector<int>& ds, Indices& indices,
                       const std::function<void(const Indices&, double)>& visit) {
  const std::function<void(std::size_t, double)> rec = [&](std::size_t i, double weight) {
    if (i == ds.size()) {
      visit(indices, weight);
      return;
    }
    const std::vector<float>& m = masks[static_cast<std::size_t>(ds[i])];
    for (std::size_t c = 0; c < m.size(); ++c) {
      if (m[c] == 0.f) continue;
      indices[static_cast<std::size_t>(ds[i])] = static_cast<int>(c);
      rec(i + 1, weight * double(m[c]));
    }
  };
  rec(0, 1.0);
}

}  // namespace

double expected_network_cost(const Space& space, const Masks& masks, const LayerCost& layer_cost,
                             const HeadCost& head_cost) {
  check_masks(space, masks);
  Indices indices = argmax_indices(masks);  // entries outside a layer's decisions: any valid
  // The classifier reads the output of the network's last layer.
  const Layer* last_layer = nullptr;
  for (const Block& block : space.blocks)
    if (!block.layers.empty()) last_layer = &block.layers.back();
  double total = 0;
  double head = 0;
  for (std::size_t b = 0; b < space.blocks.size(); ++b) {
    const std::vector<Layer>& layers = space.blocks[b].layers;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const Layer& layer = layers[i];
      std::set<int> ds;
      collect_decisions(layer, ds);
      for (int d : {layer.shape.in_width_decision, layer.shape.out_width_decision})
        if (d >= 0) ds.insert(d);
      const bool last = &layer == last_layer;
      double layer_total = 0;
      for_each_weighted(masks, {ds.begin(), ds.end()}, indices, [&](const Indices& idx, double w) {
        const ResolvedLayer r = resolve_layer(space, idx, layer, static_cast<int>(b),
                                              width_of(space, layer.shape.in_width_decision, idx),
                                              space.block_width(static_cast<int>(b), idx),
                                              layer.shape.in_size);
        layer_total += w * layer_cost(r);
        if (last) {
          Network h;
          h.resolution = space.network.resolution;
          h.input_channels = space.network.input_channels;
          h.classes = space.network.classes;
          h.feature_channels = r.out_channels;
          h.feature_size = r.out_size;
          head += w * head_cost(h);
        }
      });
      total += layer_total;
    }
  }
  if (last_layer == nullptr) {
    // No layer: the classifier reads the input (what resolve() gives).
    Network h = resolve(space, indices);
    h.layers.clear();
    head = head_cost(h);
  }
  return total + head;
}

}  // namespace tunas::spaces
