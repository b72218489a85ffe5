// Shared fixtures of the supernet tests: the tiny YAML space, random inputs, mask sets.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "search_spaces/indices.h"
#include "search_spaces/parse.h"
#include "search_spaces/space.h"
#include "supernet/supernet.h"

namespace tunas::supernet::test {

// 3 blocks at 8x8: a stem conv with kernel op{3,5} + h-swish + an optional sepconv with kernel
// op{3,5}; a stride-2 bottleneck and a skippable bottleneck, kernel {3,5}, expansion {x1,x2},
// SE {off,on}; a head 1x1 conv + GAP. Widths of blocks 0 and 1 are tied decisions {8,16}.
inline const char* kTinyYaml = R"(
name: tiny
filters_base: 8
blocks:
  - filters: {one_of: [8, 16]}
    layers:
      - conv: {kernel_size: {one_of: [3, 5]}, strides: 2}
      - activation: swish6
      - residual:
          one_of:
            - sepconv: {kernel_size: {one_of: [3, 5]}, activation: swish6}
            - zero
  - filters: {one_of: [8, 16]}
    layers:
      - bottleneck: {kernel_size: {one_of: [3, 5]}, expansion_filters: {one_of: [x1, x2]},
                     use_squeeze_and_excite: {one_of: [false, true]}, strides: 2,
                     activation: swish6}
      - residual:
          one_of:
            - bottleneck: {kernel_size: {one_of: [3, 5]}, expansion_filters: {one_of: [x1, x2]},
                           use_squeeze_and_excite: {one_of: [false, true]}, activation: swish6}
            - zero
  - filters: 16
    layers:
      - conv: {kernel_size: 1}
      - activation: swish6
      - global_avg_pool
)";

inline spaces::Space tiny_space(int resolution = 8, int classes = 5) {
  spaces::Space space = spaces::parse_space_yaml(kTinyYaml, "<tiny>");
  spaces::NetworkConfig config;
  config.resolution = resolution;
  config.input_channels = 3;
  config.classes = classes;
  spaces::configure_network(space, config);
  return space;
}

struct Batch {
  std::vector<float> images;
  std::vector<std::int32_t> labels;
  Tensor tensor(const spaces::Space& s, int first = 0, int count = -1) {
    const int res = s.network.resolution, c = s.network.input_channels;
    const int n = int(labels.size());
    Tensor all(images.data(), Shape4{n, res, res, c});
    return all.batch_slice(first, count < 0 ? n - first : count);
  }
};

inline Batch random_batch(const spaces::Space& s, int batch, std::uint64_t seed) {
  Rng rng(seed, stream_id("batch"));
  Batch b;
  const int res = s.network.resolution;
  b.images.resize(std::size_t(batch) * res * res * s.network.input_channels);
  for (float& v : b.images) v = float(rng.normal());
  for (int i = 0; i < batch; ++i) b.labels.push_back(std::int32_t(rng.uniform_int(std::uint32_t(s.network.classes))));
  return b;
}

inline std::vector<int> random_indices(const spaces::Space& s, std::uint64_t seed) {
  Rng rng(seed, stream_id("indices"));
  std::vector<int> idx;
  for (const auto& d : s.decisions) idx.push_back(int(rng.uniform_int(std::uint32_t(d.size()))));
  return idx;
}

inline std::vector<int> largest_indices(const spaces::Space& s) {
  std::vector<int> idx;
  for (const auto& d : s.decisions) idx.push_back(d.largest_choice);
  return idx;
}

// Per node, like spec §6.4: op nodes replaced by 1/n with probability p_op, filter nodes by
// the largest choice with probability p_filter.
inline Masks mixed_masks(const spaces::Space& s, std::uint64_t seed, double p_op, double p_filter) {
  Rng rng(seed, stream_id("mixed"));
  Masks m = masks_from_indices(s, random_indices(s, seed));
  for (std::size_t d = 0; d < m.size(); ++d) {
    const auto& dec = s.decisions[d];
    if (dec.size() <= 1) continue;
    if (dec.tag == spaces::Tag::op && rng.uniform() < p_op) {
      for (float& v : m[d]) v = 1.f / float(dec.size());
    } else if (dec.tag == spaces::Tag::filters && rng.uniform() < p_filter) {
      for (float& v : m[d]) v = 0.f;
      m[d][std::size_t(dec.largest_choice)] = 1.f;
    }
  }
  return m;
}

}  // namespace tunas::supernet::test
