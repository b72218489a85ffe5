// Internal to tunas_supernet: the workspace, the per-call context and the node classes that a
// Supernet is built from. Every node has an explicit forward/backward pair (STYLE G10); all of
// the gradient rules of the supernet live in graph.cc (STYLE G12).
//
// Activations are dense NHWC buffers at the ACTIVE channel width, taken from the workspace
// stack. A node's forward returns its output (a new buffer, its input itself for identities,
// or a "zero" Act with data == nullptr meaning all zeros) and keeps what its backward needs in
// member fields that point into the workspace (each node object runs at most once per pass;
// a rematerialising switch re-runs its branches' forward, which refreshes those fields).
// Backward ACCUMULATES into dx (the input gradient, data == nullptr when not wanted) and into
// the gradient array; dy already carries the replica's grad_scale.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/memory.h"
#include "core/rng.h"
#include "kernels/f32-activation/activation.h"
#include "search_spaces/space.h"
#include "supernet/supernet.h"

namespace tunas::supernet::detail {

// The arena of one Supernet with a sizing mode for planning it: while sizing, offsets advance
// exactly as the arena's would (same alignment, same stack discipline) but the addresses handed
// out point at no memory, so the nodes must not touch them (Ctx::sizing makes them skip every
// kernel). A sizing pass therefore costs neither memory nor arithmetic. Stack: mark/rewind.
class Workspace {
 public:
  void begin_sizing();
  void end_sizing();
  bool sizing() const { return sizing_; }
  // The stack's bytes, and the BN scratch that sizing passes asked for.
  void reserve(std::size_t bytes);
  float* floats(std::int64_t count);
  float* zeros(std::int64_t count);  // no fill while sizing
  std::size_t mark() const { return sizing_ ? used_ : arena_.mark(); }
  void rewind(std::size_t mark);
  void reset() { rewind(0); }
  // Sizing mode: the highest offset since the last reset_peak().
  std::size_t peak() const { return peak_; }
  void reset_peak() { peak_ = used_; }
  const Arena& arena() const { return arena_; }
  // Scratch of one BN kernel call (kernels/f32-bn), a buffer beside the stack that each call
  // reuses: while sizing it records the largest request, which reserve() then allocates, so
  // BN never allocates inside a step. A workspace that was never sized (node tests) grows it.
  float* bn_scratch(std::int64_t floats);

 private:
  Arena arena_;
  bool sizing_ = false;
  std::size_t used_ = 0, peak_ = 0;
  AlignedPtr<float> bn_scratch_;
  std::int64_t bn_scratch_floats_ = 0;
  bool sized_ = false;  // a sizing pass ran: bn_scratch_floats_ is the plan
};

// A dense NHWC activation; data == nullptr means "all zeros" (a zero op's output).
struct Act {
  float* data = nullptr;
  int n = 0, h = 0, w = 0, c = 0;
  std::int64_t pixels() const { return std::int64_t(n) * h * w; }
  std::int64_t size() const { return pixels() * c; }
  bool is_zero() const { return data == nullptr; }
};

struct Ctx {
  Workspace* ws = nullptr;
  const Masks* masks = nullptr;
  const int* index_of = nullptr;  // arg-max of each mask
  const int* width_of = nullptr;  // active width of each block filters decision
  float* w = nullptr;             // parameter values
  float* g = nullptr;             // parameter gradients
  float* bn_stats = nullptr;      // moving statistics
  bool sizing = false;            // arena planning: allocate as a real pass, compute nothing
  int input_channels = 0;
  bool training = false;          // keep state for a backward pass
  int recompute = 0;              // > 0 inside a rematerialised re-run
  bool bn_use_moving = false;     // stateful evaluate
  bool bn_update_moving = false;  // stateful train_replica
  RematPolicy remat = RematPolicy::none;
  // Path dropout (§7.6): set in stateful training with a rate > 0; each residual with a
  // non-zero inner layer draws once per pass from it.
  Rng* path_dropout_rng = nullptr;
  float path_keep = 1.f;  // 1 - rate
  float weight_decay = 0.f;
  float grad_scale = 1.f;
  std::int64_t fuse_max_weight_floats = 32 * 1024;  // SupernetConfig
  double reg_loss = 0;
  int active_width(int decision) const {
    return decision < 0 ? input_channels : width_of[decision];
  }
};

class Node {
 public:
  virtual ~Node() = default;
  // Output shape (at the active widths) for input x.
  virtual Act out_shape(const Ctx& ctx, const Act& x) const = 0;
  // reg: product of the enclosing switch mask values (weight-decay and gradient scale).
  virtual Act forward(Ctx& ctx, const Act& x, float reg) = 0;
  virtual void backward(Ctx& ctx, const Act& dy, const Act& dx, float reg) = 0;
  // backward into a FRESH dx (a new, uninitialised gradient buffer, never a zero Act): dx is
  // overwritten, not accumulated into. The default zero-fills dx and runs backward; a node
  // whose first write to dx can overwrite (the depthwise conv) saves that pass over dx.
  virtual void backward_fresh(Ctx& ctx, const Act& dy, const Act& dx, float reg);
};

enum class InitKind { he, he_depthwise, classifier, zeros, ones };
struct InitSpec {
  std::int64_t offset = 0, size = 0;
  InitKind kind = InitKind::zeros;
  int fan_in = 1;
  std::string name;
};

// BN parameters of one layer: gamma/beta offsets into the parameter array, moving statistics
// offset into the statistics array, widest channel count.
struct BnParams {
  std::int64_t gamma = 0, beta = 0, stats = 0;
  int max_c = 0;
};

// Builds the node tree of a space and registers parameters in build order.
class Builder {
 public:
  Builder(const spaces::Space& space, ParameterStore& params) : space_(space), params_(params) {}
  std::unique_ptr<Node> build_layer(const spaces::Layer& layer, bool in_residual);
  std::int64_t add_param(const std::string& name, std::vector<int> shape, bool l2, InitKind kind,
                         int fan_in);
  BnParams add_bn(const std::string& prefix, int max_c);
  std::vector<InitSpec>& inits() { return inits_; }
  std::int64_t bn_stats_size() const { return bn_stats_; }
  std::int64_t bn_stats_size_add(std::int64_t n) { const auto o = bn_stats_; bn_stats_ += n; return o; }

 private:
  std::unique_ptr<Node> build_kernel_switch(const spaces::Layer& layer, const std::string& prefix,
                                            int max_c, kernels::Activation act, int stride);
  const spaces::Space& space_;
  ParameterStore& params_;
  std::vector<InitSpec> inits_;
  std::int64_t bn_stats_ = 0;
};

// Node factories (the builder uses the same classes; tests drive single nodes through these).
std::unique_ptr<Node> make_switch(std::vector<std::unique_ptr<Node>> branches, int decision,
                                  bool allow_zero_output);
std::unique_ptr<Node> make_identity();
std::unique_ptr<Node> make_activation(kernels::Activation act);
// k x k conv (+BN, or +bias without BN) on [*, max_in] -> [*, max_out]; the active output
// width is ctx.width_of[out_decision].
std::unique_ptr<Node> make_conv(Builder& b, const std::string& prefix, int kernel, int stride,
                                bool use_bn, int max_in, int max_out, int out_decision);

// The whole network: top-level layers in order, then the classifier.
class Graph {
 public:
  Workspace ws;
  std::vector<std::unique_ptr<Node>> layers;
  std::int64_t classifier_w = 0, classifier_b = 0;
  int feature_max = 0, classes = 0;
  std::int64_t max_boundary = 0;  // widest per-image activation between top-level layers
  std::vector<int> index_of, width_of;
  std::vector<std::size_t> marks;  // per top-level layer: workspace mark before its forward
  std::vector<Act> acts;           // top-level boundary activations
  std::vector<std::vector<int>> block_widths;  // scaled widths of each block's choices

  // Buffers at the bottom of the stack that outlive every layer's state: the two boundary
  // ping-pong buffers, the logits and, in training, their gradient (and the dropout buffers).
  struct Head {
    float* boundary[2] = {nullptr, nullptr};
    float *logits = nullptr, *d_logits = nullptr, *drop = nullptr, *dropped = nullptr;
  };
  Head allocate_head(int batch, bool training, bool dropout);
  // Top-level layer l's forward; a zero output is materialised (the next layer reads it).
  Act forward_layer(Ctx& ctx, std::size_t l, const Act& x);
};

}  // namespace tunas::supernet::detail
