// The latency runner is a second forward implementation beside the supernet's nodes (it times
// without the supernet's bookkeeping). This proves the two compute the same network: for random
// architectures of the three search spaces, the runner loaded with a pruned supernet's weights
// and BN moving statistics gives the logits that Supernet::evaluate gives in stateful mode.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "latency/layer_config.h"
#include "latency/runner.h"
#include "search_spaces/catalog.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "supernet/supernet.h"

using namespace tunas;
using latency::InferenceRunner;
using spaces::LayerKind;

namespace {

constexpr int kBatch = 2;

// Copies the pruned supernet's tensors into the runner, by the supernet's parameter names
// (the names the ONNX exporter reads too).
class WeightCopier {
 public:
  explicit WeightCopier(supernet::Supernet& net) : net_(net) {
    for (const auto& bn : supernet::bn_statistics_layout(net.params())) bn_[bn.prefix] = bn;
  }

  void tensor(const std::string& name, float* dst, std::int64_t size) {
    CAPTURE(name);
    const supernet::ParameterInfo* info = net_.params().find(name);
    REQUIRE(info != nullptr);
    REQUIRE(dst != nullptr);
    REQUIRE(info->size == size);
    const float* src = net_.params().values() + info->offset;
    std::copy(src, src + size, dst);
  }

  void bn(const std::string& prefix, const InferenceRunner::BnWeights& dst, int channels) {
    CAPTURE(prefix);
    tensor(prefix + "/gamma", dst.gamma, channels);
    tensor(prefix + "/beta", dst.beta, channels);
    const auto it = bn_.find(prefix);
    REQUIRE(it != bn_.end());
    REQUIRE(it->second.channels == channels);
    const float* stats = net_.bn_statistics() + it->second.offset;
    std::copy(stats, stats + channels, dst.mean);
    std::copy(stats + channels, stats + 2 * channels, dst.variance);
  }

  void layer(const spaces::ResolvedLayer& l, const InferenceRunner::LayerWeights& w) {
    const std::int64_t in = l.in_channels, out = l.out_channels, k = l.kernel_size;
    const std::string dw = str_cat(l.path, "/depthwise/k", k);
    switch (l.kind) {
      case LayerKind::conv: {
        const std::string p = str_cat(l.path, "/k", k);
        tensor(p + "/kernel", w.conv, k * k * in * out);
        if (l.use_batch_norm) bn(p + "/bn", w.bn1, int(out));
        else tensor(p + "/bias", w.bias, out);
        break;
      }
      case LayerKind::sepconv:
        tensor(dw + "/kernel", w.depthwise, k * k * in);
        bn(dw + "/bn", w.bn1, int(in));
        tensor(l.path + "/pointwise/kernel", w.project, in * out);
        bn(l.path + "/pointwise/bn", w.bn2, int(out));
        break;
      case LayerKind::bottleneck: {
        const std::int64_t e = l.expansion, h = l.se_hidden;
        tensor(l.path + "/expand/kernel", w.conv, in * e);
        bn(l.path + "/expand/bn", w.bn1, int(e));
        tensor(dw + "/kernel", w.depthwise, k * k * e);
        bn(dw + "/bn", w.bn2, int(e));
        if (l.use_se) {
          tensor(l.path + "/se/reduce/kernel", w.se_reduce, e * h);
          tensor(l.path + "/se/reduce/bias", w.se_reduce_bias, h);
          tensor(l.path + "/se/expand/kernel", w.se_expand, h * e);
          tensor(l.path + "/se/expand/bias", w.se_expand_bias, e);
        }
        tensor(l.path + "/project/kernel", w.project, e * out);
        bn(l.path + "/project/bn", w.bn3, int(out));
        break;
      }
      case LayerKind::activation:
      case LayerKind::global_avg_pool:
      case LayerKind::detection_endpoint:
      case LayerKind::zero:
        break;  // no weights
      case LayerKind::residual:
      case LayerKind::choice:
        FAIL("a resolved network has no ", spaces::layer_kind_name(l.kind), " layer");
    }
  }

  void classifier(const spaces::Network& n, const InferenceRunner::LayerWeights& w) {
    tensor("classifier/kernel", w.conv, std::int64_t(n.feature_channels) * n.classes);
    tensor("classifier/bias", w.bias, n.classes);
  }

 private:
  supernet::Supernet& net_;
  std::map<std::string, supernet::BnStatisticsEntry> bn_;
};

// BN gammas, betas and moving statistics away from their initial 1/0/0/1, so that a BN the
// runner applied wrongly (or skipped) changes the logits.
void randomize_batch_norms(supernet::Supernet& net, Rng& rng) {
  supernet::ParameterStore& params = net.params();
  for (const auto& bn : supernet::bn_statistics_layout(params)) {
    float* gamma = params.values() + params.find(bn.prefix + "/gamma")->offset;
    float* beta = params.values() + params.find(bn.prefix + "/beta")->offset;
    float* mean = net.bn_statistics() + bn.offset;
    float* variance = mean + bn.channels;
    for (int c = 0; c < bn.channels; ++c) {
      gamma[c] = 0.5f + rng.uniform();
      beta[c] = 0.4f * (rng.uniform() - 0.5f);
      mean[c] = 0.4f * (rng.uniform() - 0.5f);
      variance[c] = 0.5f + rng.uniform();
    }
  }
}

struct Logits {
  std::vector<float> supernet, runner;
};

// `tamper` (when given) edits the runner's weights after the copy.
Logits both_forwards(const spaces::Space& space, const spaces::Indices& indices,
                     std::uint64_t seed, void (*tamper)(InferenceRunner&) = nullptr) {
  const spaces::Space pruned = supernet::prune_space(space, indices);
  const spaces::Indices zeros(pruned.decisions.size(), 0);
  const spaces::Network network = spaces::resolve(pruned, zeros);

  supernet::SupernetConfig config;
  config.max_batch = kBatch;
  config.bn_mode = supernet::BnMode::stateful;
  config.init_seed = seed;
  supernet::Supernet net(pruned, config);
  Rng rng(seed, stream_id("test_runner_matches_supernet"));
  randomize_batch_norms(net, rng);

  InferenceRunner runner(latency::network_configs(network), kBatch, seed);
  WeightCopier copy(net);
  for (std::size_t i = 0; i < network.layers.size(); ++i)
    copy.layer(network.layers[i], runner.weights(int(i)));
  copy.classifier(network, runner.weights(int(network.layers.size())));
  if (tamper) tamper(runner);

  // One input for both: the runner's random one.
  const spaces::NetworkConfig& nc = pruned.network;
  const Shape4 shape{kBatch, nc.resolution, nc.resolution, nc.input_channels};
  std::vector<float> images(runner.input(), runner.input() + shape.elements());
  const std::vector<std::int32_t> labels(kBatch, 0);
  net.evaluate(Tensor(images.data(), shape), labels.data(),
               supernet::masks_from_indices(pruned, zeros));
  runner.run();

  const std::size_t count = std::size_t(kBatch) * nc.classes;
  return {std::vector<float>(net.last_logits(), net.last_logits() + count),
          std::vector<float>(runner.output(), runner.output() + count)};
}

// max |a - b| relative to max |a|.
double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(double(a[i])));
  }
  return diff / std::max(scale, 1e-30);
}

}  // namespace

TEST_CASE("the latency runner gives the pruned supernet's logits (stateful BN, inference)") {
  for (const char* name :
       {"proxylessnas_search", "proxylessnas_enlarged_search", "mobilenet_v3_like_search"}) {
    spaces::Space space = spaces::load_space(name);
    spaces::configure_data_network(space, 32, 3, 10, 0.5, 2);
    Rng rng(7, stream_id(name));
    for (std::uint64_t trial = 0; trial < 3; ++trial) {
      const spaces::Indices indices = spaces::uniform_indices(space, rng);
      const std::string space_name = name;
      CAPTURE(space_name);
      CAPTURE(spaces::format_indices(indices));
      const Logits logits = both_forwards(space, indices, trial + 1);
      double scale = 0;
      for (float v : logits.supernet) scale = std::max(scale, std::fabs(double(v)));
      CHECK(scale > 1e-3);  // logits that carry the weights, not a vanishing signal
      CHECK(relative_difference(logits.supernet, logits.runner) < 1e-5);
    }
  }
}

TEST_CASE("the comparison fails when one BN statistic of the runner differs") {
  spaces::Space space = spaces::load_space("proxylessnas_search");
  spaces::configure_data_network(space, 32, 3, 10, 0.5, 2);
  Rng rng(11, stream_id("tampered"));
  const spaces::Indices indices = spaces::uniform_indices(space, rng);
  const Logits same = both_forwards(space, indices, 5);
  CHECK(relative_difference(same.supernet, same.runner) < 1e-5);
  // The stem's first moving variance x4: one channel of one BN.
  const Logits tampered = both_forwards(space, indices, 5, [](InferenceRunner& runner) {
    runner.weights(0).bn1.variance[0] *= 4.f;
  });
  CHECK(relative_difference(tampered.supernet, tampered.runner) > 1e-3);
}
