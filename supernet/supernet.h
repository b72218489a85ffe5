// The TuNAS one-shot model (spec §3): a weight-sharing supernet built from any parsed search
// space, trained one replica (one sampled architecture, one sub-batch) at a time.
//
// What is built (spec §3.2-§3.5, supernet/graph.h has the per-node details):
//  * op decisions are switches y = sum_{m_i != 0} m_i * branch_i(x); branches with m_i == 0
//    are not run, forward or backward; gradients to x and to branch i's weights are scaled by
//    m_i; nothing flows into m. Single-choice op nodes are plain layers (m_0 == 1).
//  * operation collapsing (§3.3): a bottleneck shares its expansion 1x1 conv + BN, projection
//    1x1 conv + BN and SE (all at the widest E) between every (kernel, expansion, SE) case; each
//    kernel size owns its depthwise kernel + BN. A sepconv with a kernel decision shares its
//    pointwise conv; separate sepconv layers under a layer choice share nothing.
//  * filter decisions (§3.4) are prefix channel masks, done by SLICING: every kernel runs on
//    the active channel prefix of max-width weights, activations are dense at the active width.
//    Values and gradients equal the mask-multiply definition (tests/supernet checks it). The
//    active width of a decision is the choice at the arg-max of its mask. Relative expansions
//    are E = scale_filters(active_in, r, filters_base) from the ACTIVE input width.
//  * weight decay (§3.8): (wd/2)*scale*||W_active||^2 on conv kernels only (regular, depthwise,
//    SE), scale = product of the enclosing switch mask values.
//
// Memory (STYLE G9, G11): one Arena per Supernet, reserved once at construction and never grown.
// Its size is planned from the space and the batch sizes without running a step
// (supernet/arena_plan.cc): every node runs in a sizing mode that allocates exactly as a real
// pass and computes nothing, top-level layer by layer, and the plan takes per layer the worst
// over its op decisions each one-hot at any choice or uniform over all choices (filter decisions
// at their widest), at max_batch for training and the eval batch for evaluate, with the
// configured RematPolicy. Any mask of that kind (one-hot and warm-up masks, and any mix of them
// per decision) fits; train_replica/evaluate never touch the heap.
// Rematerialisation (§6.6): with RematPolicy::switches, a switch with more than one active
// branch keeps only its input and its summed output; its backward re-runs each active branch
// from the saved input, back-propagates m_i*dy through it and frees it. Gradients are bitwise
// equal with and without remat.
//
// Thread-safety: one Supernet is driven by one thread at a time (kernels use parallel_for).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/memory.h"
#include "core/tensor.h"
#include "search_spaces/space.h"

namespace tunas::supernet {

using Masks = std::vector<std::vector<float>>;  // one vector per Space::decisions entry (§3.1)

// One-hot masks for an index vector (throws tunas::Error on a bad vector).
Masks masks_from_indices(const spaces::Space& space, const std::vector<int>& indices);
// Op warm-up / filter warm-up masks of spec §3.1 applied to EVERY multi-choice node: op nodes
// uniform 1/n when `op_warmup`, filter nodes one-hot at largest_choice when `filter_warmup`;
// other nodes keep the mask of `indices`.
Masks warmup_masks(const spaces::Space& space, const std::vector<int>& indices, bool op_warmup,
                   bool filter_warmup);

// The stand-alone network of an architecture: the space with every decision kept (same count,
// same order, same paths) but reduced to its chosen option, re-configured at the same
// NetworkConfig. Widths are exact (nothing is sliced); its only index vector is all zeros.
spaces::Space prune_space(const spaces::Space& space, const std::vector<int>& indices);

enum class RematPolicy { none, switches };         // switches: spec §6.6
enum class BnMode { batch_statistics, stateful };  // search vs stand-alone training (§3.6)

struct SupernetConfig {
  int max_batch = 0;  // largest sub-batch train_replica will see: arena planning
  // Largest batch evaluate() will see (the validation sub-batch is 4x the training one);
  // 0: max_batch. evaluate() keeps no saved state, so it needs far less memory per image.
  int max_eval_batch = 0;
  RematPolicy remat = RematPolicy::switches;
  float weight_decay = 4e-5f;  // L2 (wd/2)*sum w^2 on active conv kernel slices (§3.8)
  float label_smoothing = 0.1f;
  std::uint64_t init_seed = 0;  // §3.7 initialisation, a pure function of the seed
  BnMode bn_mode = BnMode::batch_statistics;
  float dropout = 0.f;  // before the classifier; train_replica in stateful mode only
  // Path dropout (§7.6, --path_dropout_rate): the output of each kept skippable layer (inside a
  // residual, before the add) x Bernoulli(1 - p)/(1 - p), one draw per layer per train_replica
  // shared by the batch; train_replica in stateful mode only.
  float path_dropout = 0.f;
  // A bottleneck's / sepconv's 1x1 conv runs fused with its BN (chunk by chunk inside the
  // statistics) when its active weights have at most this many floats: each chunk repacks
  // them, which pays while they stay in cache. Values are bitwise the same either way (tests
  // compare 0 = never against a huge value = always).
  std::int64_t fuse_max_weight_floats = 32 * 1024;
};

struct ParameterInfo {
  std::string name;            // "blocks/2/layers/1/layer/choices/0/expand/kernel"
  std::int64_t offset = 0;     // in floats, into values()/grads(); 16-float aligned
  std::int64_t size = 0;       // floats
  std::vector<int> shape;      // conv HWIO [k][k][in][out]; depthwise [k][k][C][1]; vectors [C]
  bool l2 = false;             // a conv kernel that weight decay applies to
};

// Every weight in ONE flat 64-byte aligned float array, gradients in another of the same
// layout (padding between tensors stays 0 in both). Optimizers, checkpoints and zeroing are
// single passes over size() floats.
class ParameterStore {
 public:
  const std::vector<ParameterInfo>& infos() const { return infos_; }
  std::int64_t size() const { return size_; }
  float* values() { return values_.get(); }
  float* grads() { return grads_.get(); }
  const float* values() const { return values_.get(); }
  const float* grads() const { return grads_.get(); }
  void zero_grads();
  // nullptr when absent.
  const ParameterInfo* find(const std::string& name) const;

  // Construction (used by Supernet): register every tensor, then allocate once.
  std::int64_t add(const std::string& name, std::vector<int> shape, bool l2);
  void allocate();

 private:
  std::vector<ParameterInfo> infos_;
  std::unordered_map<std::string, std::size_t> index_of_;  // name -> infos_ index: add() is O(1)
  std::int64_t size_ = 0;
  AlignedPtr<float> values_, grads_;
};

// Where each BN's moving statistics live in Supernet::bn_statistics(): one entry per BN, in
// that array's order (the order the BN gammas were registered in), [mean C][variance C] at
// `offset`. `prefix` is the BN's parameter prefix ("blocks/0/layers/0/k3/bn").
struct BnStatisticsEntry {
  std::string prefix;
  std::int64_t offset = 0;
  int channels = 0;
};
std::vector<BnStatisticsEntry> bn_statistics_layout(const ParameterStore& params);

struct ReplicaResult {
  double loss = 0, empirical_loss = 0, regularization_loss = 0;
  std::int64_t correct = 0;
  int batch = 0;
};

namespace detail {
class Graph;
struct Ctx;
}

class Supernet {
 public:
  // space.network is already configured (resolution, input channels, classes, width
  // multiplier, stride overrides). Throws tunas::Error on an unsupported space.
  Supernet(const spaces::Space& space, const SupernetConfig& config);
  ~Supernet();
  Supernet(const Supernet&) = delete;
  Supernet& operator=(const Supernet&) = delete;

  // Forward + backward of one replica's sub-batch with its masks; d(loss)*grad_scale
  // ACCUMULATES into params().grads(). images: NHWC [b][res][res][input_channels], dense,
  // b <= max_batch. labels: b entries in [0, classes).
  ReplicaResult train_replica(const Tensor& images, const std::int32_t* labels, const Masks& masks,
                              float grad_scale);
  // Forward only: no gradients, no saved state. BN uses batch statistics in batch_statistics
  // mode and the moving statistics in stateful mode; no dropout.
  ReplicaResult evaluate(const Tensor& images, const std::int32_t* labels, const Masks& masks);
  // Logits of the last train_replica/evaluate call: [batch][classes] (valid until the next call).
  const float* last_logits() const { return last_logits_; }

  ParameterStore& params() { return params_; }
  const ParameterStore& params() const { return params_; }
  // BN moving statistics (stateful mode): per BN, [mean C][variance C]; mean starts at 0,
  // variance at 1. Checkpoint them with the weights.
  float* bn_statistics() { return bn_statistics_.get(); }
  std::int64_t bn_statistics_size() const { return bn_statistics_size_; }
  // Dropout draws come from Rng(init_seed, stream_id("dropout") + dropout_calls()), path
  // dropout draws from Rng(init_seed, stream_id("path_dropout") + dropout_calls()); the counter
  // advances once per train_replica with either. Checkpoint it.
  std::uint64_t dropout_calls() const { return dropout_calls_; }
  void set_dropout_calls(std::uint64_t calls) { dropout_calls_ = calls; }

  const Arena& arena() const;
  const spaces::Space& space() const { return space_; }
  const SupernetConfig& config() const { return config_; }

 private:
  ReplicaResult run(const Tensor& images, const std::int32_t* labels, const Masks& masks,
                    float grad_scale, bool training);
  // The context of one pass: the masks' arg-max choices and active widths, the BN mode.
  detail::Ctx pass_context(const Masks& masks, bool training, float grad_scale);
  bool uses_dropout(bool training) const;
  bool uses_path_dropout(bool training) const;
  // Arena bytes for the worst case described under "Memory" (arena_plan.cc).
  std::size_t plan_arena();

  spaces::Space space_;
  SupernetConfig config_;
  ParameterStore params_;
  AlignedPtr<float> bn_statistics_;
  std::int64_t bn_statistics_size_ = 0;
  std::uint64_t dropout_calls_ = 0;
  std::unique_ptr<detail::Graph> graph_;
  const float* last_logits_ = nullptr;
};

}  // namespace tunas::supernet
