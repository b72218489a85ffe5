#include "supernet/supernet.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "core/error.h"
#include "core/rng.h"
#include "core/threads.h"
#include "kernels/f32-dense/dense.h"
#include "kernels/f32-loss/loss.h"
#include "search_spaces/indices.h"
#include "supernet/graph.h"

namespace tunas::supernet {

using detail::Act;
using detail::Ctx;

// ---- masks --------------------------------------------------------------------------------------

Masks masks_from_indices(const spaces::Space& space, const std::vector<int>& indices) {
  return spaces::one_hot_masks(space, indices);
}

Masks warmup_masks(const spaces::Space& space, const std::vector<int>& indices, bool op_warmup,
                   bool filter_warmup) {
  Masks masks = masks_from_indices(space, indices);
  for (std::size_t d = 0; d < masks.size(); ++d) {
    const spaces::Decision& dec = space.decisions[d];
    const int n = dec.size();
    if (n <= 1) continue;
    if (dec.tag == spaces::Tag::op && op_warmup) {
      std::fill(masks[d].begin(), masks[d].end(), 1.f / float(n));
    } else if (dec.tag == spaces::Tag::filters && filter_warmup) {
      std::fill(masks[d].begin(), masks[d].end(), 0.f);
      masks[d][std::size_t(dec.largest_choice)] = 1.f;
    }
  }
  return masks;
}

// ---- prune_space ----------------------------------------------------------------------------------

namespace {

template <typename T>
void prune_field(spaces::Field<T>& f, const std::vector<int>& indices) {
  if (f.decision < 0) return;
  const T v = f.options.at(std::size_t(indices.at(std::size_t(f.decision))));
  f.options = {v};
}

void prune_layer(spaces::Layer& layer, const std::vector<int>& indices) {
  prune_field(layer.kernel_size, indices);
  prune_field(layer.expansion, indices);
  prune_field(layer.use_se, indices);
  if (layer.kind == spaces::LayerKind::choice) {
    const std::size_t pick = std::size_t(indices.at(std::size_t(layer.decision)));
    spaces::Layer kept = layer.children.at(pick);
    layer.children.clear();
    layer.children.push_back(std::move(kept));
  }
  for (spaces::Layer& child : layer.children) prune_layer(child, indices);
}

}  // namespace

spaces::Space prune_space(const spaces::Space& space, const std::vector<int>& indices) {
  spaces::check_indices(space, indices);
  spaces::Space pruned = space;
  for (spaces::Block& block : pruned.blocks) {
    for (spaces::Layer& layer : block.layers) prune_layer(layer, indices);
    const int w = block.widths.at(std::size_t(indices.at(std::size_t(block.filters_decision))));
    block.widths = {w};
  }
  for (std::size_t d = 0; d < pruned.decisions.size(); ++d) {
    spaces::Decision& dec = pruned.decisions[d];
    const spaces::Choice c = dec.choices.at(std::size_t(indices[d]));
    dec.choices = {c};
    dec.largest_choice = 0;
  }
  spaces::configure_network(pruned, space.network);
  return pruned;
}

// ---- parameters ------------------------------------------------------------------------------------

std::int64_t ParameterStore::add(const std::string& name, std::vector<int> shape, bool l2) {
  TUNAS_REQUIRE(!values_, "ParameterStore::add after allocate()");
  TUNAS_REQUIRE(index_of_.emplace(name, infos_.size()).second, "duplicate parameter name ", name);
  std::int64_t size = 1;
  for (int d : shape) size *= d;
  ParameterInfo info;
  info.name = name;
  info.offset = size_;
  info.size = size;
  info.shape = std::move(shape);
  info.l2 = l2;
  infos_.push_back(std::move(info));
  size_ += (size + 15) / 16 * 16;
  return infos_.back().offset;
}

void ParameterStore::allocate() {
  values_ = aligned_array<float>(std::size_t(std::max<std::int64_t>(size_, 1)));
  grads_ = aligned_array<float>(std::size_t(std::max<std::int64_t>(size_, 1)));
}

void ParameterStore::zero_grads() {
  float* g = grads_.get();
  parallel_for(size_, 1 << 16, [=](std::int64_t b, std::int64_t e) {
    std::fill(g + b, g + e, 0.f);
  });
}

const ParameterInfo* ParameterStore::find(const std::string& name) const {
  const auto it = index_of_.find(name);
  return it == index_of_.end() ? nullptr : &infos_[it->second];
}

// The builder hands out 2*C statistics per BN in registration order; walk the BN gammas.
std::vector<BnStatisticsEntry> bn_statistics_layout(const ParameterStore& params) {
  static const std::string kGamma = "/bn/gamma";
  std::vector<BnStatisticsEntry> layout;
  std::int64_t offset = 0;
  for (const ParameterInfo& info : params.infos()) {
    const std::string& n = info.name;
    if (n.size() < kGamma.size() || n.compare(n.size() - kGamma.size(), kGamma.size(), kGamma) != 0)
      continue;
    layout.push_back({n.substr(0, n.size() - 6), offset, int(info.size)});
    offset += 2 * info.size;
  }
  return layout;
}

// ---- the graph's pass helpers (shared by run and the arena plan) ----------------------------------

namespace detail {

Graph::Head Graph::allocate_head(int batch, bool training, bool dropout) {
  Head h;
  const std::int64_t boundary = std::int64_t(batch) * max_boundary;
  h.boundary[0] = ws.floats(boundary);
  h.boundary[1] = ws.floats(boundary);
  h.logits = ws.floats(std::int64_t(batch) * classes);
  if (training) h.d_logits = ws.floats(std::int64_t(batch) * classes);
  if (dropout) {
    h.drop = ws.floats(std::int64_t(batch) * feature_max);
    h.dropped = ws.floats(std::int64_t(batch) * feature_max);
  }
  return h;
}

Act Graph::forward_layer(Ctx& ctx, std::size_t l, const Act& x) {
  Act y = layers[l]->forward(ctx, x, 1.f);
  if (y.is_zero()) y.data = ws.zeros(y.size());
  return y;
}

}  // namespace detail

// ---- Supernet -------------------------------------------------------------------------------------

namespace {
constexpr double kTruncatedNormalStd = 0.87962566103423978;
}

Supernet::Supernet(const spaces::Space& space, const SupernetConfig& config)
    : space_(space), config_(config), graph_(std::make_unique<detail::Graph>()) {
  TUNAS_REQUIRE(config.max_batch > 0, "SupernetConfig::max_batch must be positive, got ",
                config.max_batch);
  TUNAS_REQUIRE(config.dropout >= 0.f && config.dropout < 1.f, "dropout must be in [0, 1), got ",
                config.dropout);
  TUNAS_REQUIRE(config.path_dropout >= 0.f && config.path_dropout < 1.f,
                "path dropout must be in [0, 1), got ", config.path_dropout);
  detail::Graph& g = *graph_;
  detail::Builder builder(space_, params_);
  const spaces::NetworkConfig& net = space_.network;
  for (const spaces::Block& block : space_.blocks) {
    std::vector<int> widths;
    for (int w : block.widths) widths.push_back(space_.scaled_width(w));
    g.block_widths.push_back(widths);
    for (const spaces::Layer& layer : block.layers) {
      g.layers.push_back(builder.build_layer(layer, false));
      const auto& s = layer.shape;
      g.max_boundary = std::max({g.max_boundary, std::int64_t(s.in_size) * s.in_size * s.max_in,
                                 std::int64_t(s.out_size) * s.out_size * s.max_out});
    }
  }
  TUNAS_REQUIRE(!space_.blocks.empty() && !space_.blocks.back().layers.empty(),
                "space ", space_.name, " has no layers");
  const spaces::LayerShape& last = space_.blocks.back().layers.back().shape;
  TUNAS_REQUIRE(last.out_size == 1, "space ", space_.name,
                ": the classifier needs a 1x1 feature map (end with global_avg_pool), got ",
                last.out_size, "x", last.out_size);
  g.feature_max = last.max_out;
  g.classes = net.classes;
  g.classifier_w = builder.add_param("classifier/kernel", {1, 1, g.feature_max, g.classes}, false,
                                     detail::InitKind::classifier, g.feature_max);
  g.classifier_b = builder.add_param("classifier/bias", {g.classes}, false,
                                     detail::InitKind::zeros, 1);
  params_.allocate();

  // Initialisation (§3.7): one Philox stream per parameter name.
  float* values = params_.values();
  for (const detail::InitSpec& init : builder.inits()) {
    float* p = values + init.offset;
    Rng rng(config_.init_seed, stream_id(init.name));
    switch (init.kind) {
      case detail::InitKind::he:
      case detail::InitKind::he_depthwise: {
        const double sigma = std::sqrt(2.0 / init.fan_in) / kTruncatedNormalStd;
        for (std::int64_t i = 0; i < init.size; ++i) p[i] = float(rng.truncated_normal(sigma));
        break;
      }
      case detail::InitKind::classifier:
        for (std::int64_t i = 0; i < init.size; ++i) p[i] = float(0.01 * rng.normal());
        break;
      case detail::InitKind::ones: std::fill(p, p + init.size, 1.f); break;
      case detail::InitKind::zeros: break;
    }
  }
  bn_statistics_size_ = builder.bn_stats_size();
  bn_statistics_ = aligned_array<float>(std::size_t(std::max<std::int64_t>(bn_statistics_size_, 1)));
  // moving mean 0, moving variance 1: each BN block is [mean C][var C]
  {
    std::int64_t offset = 0;
    for (const BnStatisticsEntry& bn : bn_statistics_layout(params_)) {
      float* var = bn_statistics_.get() + bn.offset + bn.channels;
      std::fill(var, var + bn.channels, 1.f);
      offset = bn.offset + 2 * std::int64_t(bn.channels);
    }
    TUNAS_CHECK(offset == bn_statistics_size_, "BN statistics layout mismatch");
  }
  g.index_of.assign(space_.decisions.size(), 0);
  g.marks.assign(g.layers.size() + 1, 0);
  g.acts.assign(g.layers.size() + 1, Act{});
  g.width_of.assign(space_.decisions.size(), 0);

  // Plan the arena from the space and the batch sizes alone (arena_plan.cc): no step runs.
  g.ws.reserve(plan_arena());
  params_.zero_grads();
  last_logits_ = nullptr;
}

Supernet::~Supernet() = default;

const Arena& Supernet::arena() const { return graph_->ws.arena(); }

ReplicaResult Supernet::train_replica(const Tensor& images, const std::int32_t* labels,
                                      const Masks& masks, float grad_scale) {
  return run(images, labels, masks, grad_scale, true);
}

ReplicaResult Supernet::evaluate(const Tensor& images, const std::int32_t* labels,
                                 const Masks& masks) {
  return run(images, labels, masks, 0.f, false);
}

detail::Ctx Supernet::pass_context(const Masks& masks, bool training, float grad_scale) {
  detail::Graph& g = *graph_;
  for (std::size_t d = 0; d < masks.size(); ++d) {
    int best = 0;
    for (std::size_t i = 1; i < masks[d].size(); ++i)
      if (masks[d][i] > masks[d][std::size_t(best)]) best = int(i);
    g.index_of[d] = best;
  }
  for (std::size_t b = 0; b < space_.blocks.size(); ++b) {
    const int d = space_.blocks[b].filters_decision;
    g.width_of[std::size_t(d)] = g.block_widths[b][std::size_t(g.index_of[std::size_t(d)])];
  }
  Ctx ctx;
  ctx.ws = &g.ws;
  ctx.masks = &masks;
  ctx.index_of = g.index_of.data();
  ctx.width_of = g.width_of.data();
  ctx.w = params_.values();
  ctx.g = params_.grads();
  ctx.bn_stats = bn_statistics_.get();
  ctx.input_channels = space_.network.input_channels;
  ctx.training = training;
  const bool stateful = config_.bn_mode == BnMode::stateful;
  ctx.bn_use_moving = stateful && !training;
  ctx.bn_update_moving = stateful && training;
  ctx.remat = config_.remat;
  ctx.weight_decay = config_.weight_decay;
  ctx.fuse_max_weight_floats = config_.fuse_max_weight_floats;
  ctx.grad_scale = grad_scale;
  return ctx;
}

bool Supernet::uses_dropout(bool training) const {
  return training && config_.bn_mode == BnMode::stateful && config_.dropout > 0.f;
}
bool Supernet::uses_path_dropout(bool training) const {
  return training && config_.bn_mode == BnMode::stateful && config_.path_dropout > 0.f;
}

namespace {

// Throws tunas::Error naming what does not match the network: batch, image shape, masks.
void check_run_inputs(const spaces::Space& space, const SupernetConfig& config,
                      const Tensor& images, const Masks& masks, bool training) {
  const spaces::NetworkConfig& net = space.network;
  const int batch = images.n();
  TUNAS_REQUIRE(batch > 0 && batch <= (training ? config.max_batch
                                                : std::max(config.max_batch,
                                                           config.max_eval_batch)),
                "Supernet: batch ", batch, " outside [1, max batch]");
  TUNAS_REQUIRE(images.h() == net.resolution && images.w() == net.resolution &&
                    images.c() == net.input_channels && images.dense(),
                "Supernet: images must be dense NHWC [b][", net.resolution, "][", net.resolution,
                "][", net.input_channels, "], got ", images.shape().str());
  TUNAS_REQUIRE(masks.size() == space.decisions.size(), "Supernet: ", masks.size(),
                " masks for ", space.decisions.size(), " decisions");
  for (std::size_t d = 0; d < masks.size(); ++d) {
    TUNAS_REQUIRE(int(masks[d].size()) == space.decisions[d].size(), "Supernet: mask of ",
                  space.decisions[d].path, " has ", masks[d].size(), " entries, expected ",
                  space.decisions[d].size());
  }
}

// The top-level layers' forward from the images to the features. Training keeps every
// boundary activation (with each layer's state) for the backward; evaluation keeps only the
// current one, ping-ponging between the two boundary buffers.
Act forward_layers(detail::Graph& g, Ctx& ctx, Act x, float* const* boundary, bool training) {
  g.acts[0] = x;
  int cur = 0;
  for (std::size_t l = 0; l < g.layers.size(); ++l) {
    const std::size_t mark = g.ws.mark();
    g.marks[l] = mark;  // to pop the layer's state after its backward
    Act y = g.forward_layer(ctx, l, x);
    if (!training && y.data != x.data) {
      float* dst = boundary[cur];
      std::memcpy(dst, y.data, std::size_t(y.size()) * sizeof(float));
      y.data = dst;
      cur ^= 1;
      g.ws.rewind(mark);
    }
    g.acts[l + 1] = y;
    x = y;
  }
  return x;
}

// Inverted dropout of the features before the classifier (stand-alone training): keeps each
// value with probability `keep`, scaled by 1/keep; the mask goes to `drop` for the backward.
const float* drop_features(const Act& features, float keep, Rng rng, float* drop, float* dropped) {
  for (std::int64_t i = 0; i < features.size(); ++i) {
    drop[i] = rng.uniform() < keep ? 1.f / keep : 0.f;
    dropped[i] = features.data[i] * drop[i];
  }
  return dropped;
}

// The layers' backward from the features' gradient dy (in boundary[0]), last layer first,
// popping each layer's state when it is done.
void backward_layers(detail::Graph& g, Ctx& ctx, Act dy, float* const* boundary) {
  int which = 0;
  for (std::size_t l = g.layers.size(); l-- > 0;) {
    const Act& in = g.acts[l];
    Act dx{nullptr, in.n, in.h, in.w, in.c};
    if (l > 0) {
      dx.data = boundary[which ^ 1];
      std::memset(dx.data, 0, std::size_t(dx.size()) * sizeof(float));
    }
    g.layers[l]->backward(ctx, dy, dx, 1.f);
    g.ws.rewind(g.marks[l]);
    dy = dx;
    which ^= 1;
  }
}

}  // namespace

ReplicaResult Supernet::run(const Tensor& images, const std::int32_t* labels, const Masks& masks,
                            float grad_scale, bool training) {
  check_run_inputs(space_, config_, images, masks, training);
  detail::Graph& g = *graph_;
  const int batch = images.n();
  Ctx ctx = pass_context(masks, training, grad_scale);
  g.ws.reset();
  const int classes = g.classes;
  const bool use_dropout = uses_dropout(training);
  const bool use_path_dropout = uses_path_dropout(training);
  const std::uint64_t dropout_call = dropout_calls_;
  if (use_dropout || use_path_dropout) ++dropout_calls_;
  std::optional<Rng> path_rng;
  if (use_path_dropout) {
    path_rng.emplace(config_.init_seed, stream_id("path_dropout") + dropout_call);
    ctx.path_dropout_rng = &*path_rng;
    ctx.path_keep = 1.f - config_.path_dropout;
  }
  const detail::Graph::Head head = g.allocate_head(batch, training, use_dropout);

  const Act features = forward_layers(
      g, ctx, Act{images.data(), batch, images.h(), images.w(), images.c()}, head.boundary, training);
  TUNAS_CHECK(features.h == 1 && features.w == 1, "classifier input is not 1x1");
  const int c = features.c;
  const float* f = use_dropout ? drop_features(features, 1.f - config_.dropout,
                                               Rng(config_.init_seed, stream_id("dropout") + dropout_call),
                                               head.drop, head.dropped)
                               : features.data;
  kernels::f32_dense_forward(batch, c, classes, head.logits, classes, f, c,
                             params_.values() + g.classifier_w, classes,
                             params_.values() + g.classifier_b);
  last_logits_ = head.logits;
  ReplicaResult result;
  result.batch = batch;
  result.correct = kernels::f32_top1_correct(batch, classes, head.logits, classes, labels);
  result.empirical_loss = kernels::f32_softmax_cross_entropy(batch, classes, head.d_logits, classes,
                                                             head.logits, classes, labels,
                                                             config_.label_smoothing);
  if (training) {
    float* d_logits = head.d_logits;
    for (std::int64_t i = 0; i < std::int64_t(batch) * classes; ++i) d_logits[i] *= grad_scale;
    kernels::f32_dense_backward_weights(batch, c, classes, params_.grads() + g.classifier_w,
                                        classes, params_.grads() + g.classifier_b, d_logits,
                                        classes, f, c);
    Act dy{head.boundary[0], batch, 1, 1, c};
    std::fill(dy.data, dy.data + dy.size(), 0.f);
    kernels::f32_dense_backward_data(batch, c, classes, dy.data, c, d_logits, classes,
                                     params_.values() + g.classifier_w, classes);
    if (head.drop)
      for (std::int64_t i = 0; i < dy.size(); ++i) dy.data[i] *= head.drop[i];
    backward_layers(g, ctx, dy, head.boundary);
  }
  result.regularization_loss = ctx.reg_loss;
  result.loss = result.empirical_loss + result.regularization_loss;
  return result;
}

}  // namespace tunas::supernet
