// The arena plan of a Supernet (supernet.h, "Memory"): the worst-case workspace bytes of a
// training step and of an evaluation, found from the space and the batch sizes without running
// a step.
//
// run() uses the workspace as a stack: the head buffers, then each top-level layer's forward
// state (kept until that layer's backward), and on top the transient buffers of the layer being
// run. With S_l(m) the state layer l keeps after its forward under masks m, F_l(m) its forward's
// peak and B_l(m) its backward's peak (both measured from the layer's start, B with S_l on the
// stack):
//   training   = head + max_l [ sum_{j<l} max_m S_j(m) + max_m max(F_l(m), B_l(m)) ]
//   evaluation = head + max_l max_m F_l(m)   (evaluate pops every layer after it; an identity
//                                             that returns its input keeps its state)
// m ranges over the combinations of layer l's op decisions, each one-hot at any choice or
// uniform over all choices, with every other decision one-hot at its largest choice (widest
// filters); since layers never share op decisions, that is the exact worst case over all masks
// of that kind. The sizes come from running each layer in sizing mode (Ctx::sizing: the node
// code allocates as in a real pass and computes nothing), so the plan cannot drift from it.
#include <algorithm>

#include "core/error.h"
#include "core/rng.h"
#include "supernet/graph.h"
#include "supernet/supernet.h"

namespace tunas::supernet {

namespace {

using detail::Act;
using detail::Ctx;

// A layer with more mask combinations than this is planned over two (every op decision
// one-hot at its largest choice, or every one uniform) plus a margin; no catalogued space
// comes near it.
constexpr std::int64_t kMaxCombinations = 1 << 14;

// The searched op decisions inside one top-level layer (the ones whose mask may be uniform).
void collect_op_decisions(const spaces::Space& space, const spaces::Layer& layer,
                          std::vector<int>& out) {
  for (int d : {layer.kernel_size.decision, layer.expansion.decision, layer.use_se.decision,
                layer.decision}) {
    if (d < 0) continue;
    const spaces::Decision& decision = space.decisions[std::size_t(d)];
    if (decision.tag == spaces::Tag::op && decision.size() > 1 &&
        std::find(out.begin(), out.end(), d) == out.end())
      out.push_back(d);
  }
  for (const spaces::Layer& child : layer.children) collect_op_decisions(space, child, out);
}

// Sets the masks of `decisions` to combination `combination`: digit i (base n_i + 1) of it is
// decision i's mode, a choice index or n_i for uniform.
void set_combination(const spaces::Space& space, const std::vector<int>& decisions,
                     std::int64_t combination, Masks& masks) {
  for (int d : decisions) {
    const int n = space.decisions[std::size_t(d)].size();
    const int mode = int(combination % (n + 1));
    combination /= n + 1;
    std::vector<float>& m = masks[std::size_t(d)];
    std::fill(m.begin(), m.end(), mode == n ? 1.f / float(n) : 0.f);
    if (mode < n) m[std::size_t(mode)] = 1.f;
  }
}

}  // namespace

std::size_t Supernet::plan_arena() {
  detail::Graph& g = *graph_;
  const spaces::NetworkConfig& net = space_.network;
  std::vector<const spaces::Layer*> top_level;
  for (const spaces::Block& block : space_.blocks)
    for (const spaces::Layer& layer : block.layers) top_level.push_back(&layer);
  TUNAS_CHECK(top_level.size() == g.layers.size(), "arena plan: layer count mismatch");
  std::vector<int> largest;
  for (const spaces::Decision& d : space_.decisions) largest.push_back(d.largest_choice);
  const Masks heaviest = masks_from_indices(space_, largest);
  Masks masks = heaviest;
  // Sizing passes never read activations: any non-null address stands for the input and dy.
  float unread = 0.f;

  std::size_t need = 0;
  bool margin = false;
  g.ws.begin_sizing();
  for (const bool training : {true, false}) {
    const int batch =
        training ? config_.max_batch : std::max(config_.max_batch, config_.max_eval_batch);
    g.ws.reset();
    (void)g.allocate_head(batch, training, uses_dropout(training));
    const std::size_t head = g.ws.mark();
    std::size_t kept = 0;  // sum over the layers before l of their largest kept state
    Act x{&unread, batch, net.resolution, net.resolution, net.input_channels};
    for (std::size_t l = 0; l < g.layers.size(); ++l) {
      std::vector<int> decisions;
      collect_op_decisions(space_, *top_level[l], decisions);
      std::int64_t combinations = 1;
      for (int d : decisions) {
        combinations *= space_.decisions[std::size_t(d)].size() + 1;
        if (combinations > kMaxCombinations) break;
      }
      const bool exhaustive = combinations <= kMaxCombinations;
      if (!exhaustive) combinations = 2;
      margin = margin || !exhaustive;
      std::size_t state = 0, peak = 0;
      Act y;
      for (std::int64_t c = 0; c < combinations; ++c) {
        masks = heaviest;
        if (exhaustive) {
          set_combination(space_, decisions, c, masks);
        } else if (c == 1) {
          for (int d : decisions) {
            std::vector<float>& m = masks[std::size_t(d)];
            std::fill(m.begin(), m.end(), 1.f / float(m.size()));
          }
        }
        Ctx ctx = pass_context(masks, training, 1.f);
        ctx.sizing = true;
        // Path dropout: size every skippable layer as dropped (its backward scales dy into a
        // buffer of its own); the draws of this stand-in stream are never used.
        Rng sizing_rng(0, 0);
        if (uses_path_dropout(training)) {
          ctx.path_dropout_rng = &sizing_rng;
          ctx.path_keep = 1.f - config_.path_dropout;
        }
        g.ws.rewind(head);
        g.ws.reset_peak();
        const Act out = g.forward_layer(ctx, l, x);
        const std::size_t layer_state = g.ws.mark() - head;
        peak = std::max(peak, g.ws.peak() - head);
        if (training) {
          g.ws.reset_peak();
          const Act dy{&unread, out.n, out.h, out.w, out.c};
          const Act dx{l > 0 ? &unread : nullptr, x.n, x.h, x.w, x.c};
          g.layers[l]->backward(ctx, dy, dx, 1.f);
          peak = std::max(peak, g.ws.peak() - head);
          state = std::max(state, layer_state);
        } else if (out.data == x.data) {
          state = std::max(state, layer_state);
        }
        TUNAS_CHECK(c == 0 || (out.n == y.n && out.h == y.h && out.w == y.w && out.c == y.c),
                    "arena plan: layer ", top_level[l]->path, " changes shape with its masks");
        y = out;
      }
      need = std::max(need, head + kept + peak);
      kept += state;
      x = Act{&unread, y.n, y.h, y.w, y.c};
    }
  }
  g.ws.end_sizing();
  // The two-mode fallback does not cover mixtures inside a layer: keep the old margin there.
  return margin ? need + need / 8 + (std::size_t(1) << 20) : need;
}

}  // namespace tunas::supernet
