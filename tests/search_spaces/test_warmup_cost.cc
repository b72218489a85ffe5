// Warm-up (fractional) masks under every cost model of this library (spec §4.3: the cost of
// the masks as given): hand-computed expected counts for macs and params, and the linearity
// that the Pixel-1 model's linear form has and the count models now share.
#include <doctest/doctest.h>

#include "search_spaces/catalog.h"
#include "search_spaces/cost_model.h"
#include "search_spaces/network.h"
#include "search_spaces/parse.h"

namespace {

using namespace tunas::spaces;

// Two op decisions, no filter decision with more than one choice.
const char* kWarmupYaml = R"(name: warmup_tiny
description: warm-up cost test space
filters_base: 8
target_latency_ms: 0
network:
  resolution: 4
  input_channels: 3
  classes: 2
blocks:
  - filters: 8
    layers:
      - conv: {kernel_size: {one_of: [1, 3]}, strides: 1}
  - filters: 8
    layers:
      - residual:
          one_of:
            - conv: {kernel_size: 3}
            - zero
)";

// The search's warm-up masks (spec §3.1): op decisions uniform, filter decisions one-hot at
// their largest choice.
Masks warmup_masks(const Space& space) {
  Masks masks;
  for (const Decision& d : space.decisions) {
    std::vector<float> m(static_cast<std::size_t>(d.size()), 0.f);
    if (d.tag == Tag::op) std::fill(m.begin(), m.end(), 1.f / float(d.size()));
    else m[static_cast<std::size_t>(d.largest_choice)] = 1.f;
    masks.push_back(m);
  }
  return masks;
}

}  // namespace

TEST_CASE("macs and params cost op warm-up masks as the expected count (hand values)") {
  const Space space = parse_space_yaml(kWarmupYaml, "<warmup_tiny>");
  const Masks masks = warmup_masks(space);
  // At 4x4 (16 pixels), 3 -> 8 -> 8 channels, classifier 8 -> 2 at 4x4:
  //   layer 0 conv k1: 1*3*8*16 = 384 MACs, 24 + 16 (BN) = 40 params
  //           conv k3: 9*3*8*16 = 3456 MACs, 216 + 16 = 232 params      -> mean 1920 / 136
  //   layer 1 residual conv k3 8->8: 9*8*8*16 = 9216 MACs, 576 + 16 = 592 params;
  //           zero (identity): 0 / 0                                     -> mean 4608 / 296
  //   classifier: 8*2*16 = 256 MACs, 8*2 + 2 = 18 params
  CHECK(make_cost_model("macs", space)->cost(masks) == 1920.0 + 4608.0 + 256.0);
  CHECK(make_cost_model("params", space)->cost(masks) == 136.0 + 296.0 + 18.0);
  // The former arg-max reading costed warm-up as choice 0 everywhere: 384 + 9216 + 256.
  CHECK(make_cost_model("macs", space)->cost_of(Indices(space.decisions.size(), 0)) == 9856.0);
  // One decision fractional, the other one-hot: 0.25 * 384 + 0.75 * 3456, plus the zero.
  Masks mixed = one_hot_masks(space, Indices(space.decisions.size(), 0));
  for (std::size_t d = 0; d < space.decisions.size(); ++d) {
    if (space.decisions[d].path == "blocks/0/layers/0/kernel_size") mixed[d] = {0.25f, 0.75f};
    if (space.decisions[d].choices.back().label == "zero") mixed[d] = {0.f, 1.f};
  }
  CHECK(make_cost_model("macs", space)->cost(mixed) == 0.25 * 384 + 0.75 * 3456 + 256.0);
}

TEST_CASE("every model is linear in one op mask: uniform = mean of the one-hot costs") {
  // The Pixel-1 model is so by its linear form (spec §5.3); the count models must agree.
  Space space = load_space("proxylessnas_search");
  configure_data_network(space, 32, 3, 10, 1.0, 2);
  Indices base(space.decisions.size(), 0);
  for (std::size_t d = 0; d < base.size(); ++d) base[d] = int(d * 7 % std::size_t(space.decisions[d].size()));
  for (const char* name : {"tunas_pixel1", "macs", "params"}) {
    CAPTURE(name);
    const auto model = make_cost_model(name, space);
    for (std::size_t d = 0; d < space.decisions.size(); d += 5) {
      const Decision& dec = space.decisions[d];
      if (dec.size() < 2 || dec.tag != Tag::op) continue;
      CAPTURE(dec.path);
      Masks masks = one_hot_masks(space, base);
      masks[d].assign(std::size_t(dec.size()), 1.f / float(dec.size()));
      double mean = 0;
      for (int c = 0; c < dec.size(); ++c) {
        Indices idx = base;
        idx[d] = c;
        mean += model->cost_of(idx) / dec.size();
      }
      // 1/n is rounded to float in the mask, not in the mean
      CHECK(model->cost(masks) == doctest::Approx(mean).epsilon(1e-6));
    }
  }
}
