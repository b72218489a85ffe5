#include "search_spaces/space.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.h"
#include "search_spaces/rounding.h"

namespace tunas::spaces {

const char* tag_name(Tag tag) { return tag == Tag::op ? "op" : "filters"; }

double Space::log10_cardinality() const {
  double sum = 0;
  for (const Decision& d : decisions) sum += std::log10(static_cast<double>(d.size()));
  return sum;
}

int Space::count_tag(Tag tag) const {
  return static_cast<int>(std::count_if(decisions.begin(), decisions.end(),
                                        [tag](const Decision& d) { return d.tag == tag; }));
}

int Space::scaled_width(int declared) const {
  return scale_filters(declared, network.width_multiplier, filters_base);
}

int Space::block_width(int block, const std::vector<int>& indices) const {
  const Block& b = blocks.at(static_cast<std::size_t>(block));
  return scaled_width(b.widths.at(static_cast<std::size_t>(indices.at(b.filters_decision))));
}

namespace {

const Layer* find_in(const Layer& layer, const std::string& path) {
  if (layer.path == path) return &layer;
  for (const Layer& child : layer.children) {
    if (const Layer* found = find_in(child, path)) return found;
  }
  return nullptr;
}

// Walks the layer tree and fills strides and shapes. Throws on shape conflicts.
class ShapePass {
 public:
  ShapePass(Space& space) : space_(space) {}

  void run() {
    const NetworkConfig& net = space_.network;
    std::vector<int> in_widths = {net.input_channels};
    int in_decision = -1;
    int size = net.resolution;
    for (Block& block : space_.blocks) {
      std::vector<int> out_widths;
      for (int w : block.widths) out_widths.push_back(space_.scaled_width(w));
      for (Layer& layer : block.layers) {
        size = visit(layer, in_widths, out_widths, size, in_decision, block.filters_decision, 0);
        in_widths = out_widths;
        in_decision = block.filters_decision;
      }
    }
    for (const auto& [path, strides] : net.stride_overrides) {
      TUNAS_REQUIRE(used_.count(path), space_.source, ": stride override '", path,
                    "' names no conv, sepconv, bottleneck or layer choice (paths look like "
                    "'blocks/0/layers/0')");
    }
  }

 private:
  int override_for(const std::string& path, int inherited) {
    auto it = space_.network.stride_overrides.find(path);
    if (it == space_.network.stride_overrides.end()) return inherited;
    used_.insert(path);
    return it->second;
  }

  static bool same_widths(const std::vector<int>& a, const std::vector<int>& b) {
    return a.size() == 1 && b.size() == 1 && a[0] == b[0];
  }

  int visit(Layer& layer, const std::vector<int>& in_widths, const std::vector<int>& out_widths,
            int in_size, int in_decision, int out_decision, int inherited_strides) {
    LayerShape& s = layer.shape;
    s = LayerShape{};
    s.in_size = in_size;
    s.out_size = in_size;
    s.max_in = *std::max_element(in_widths.begin(), in_widths.end());
    s.max_out = *std::max_element(out_widths.begin(), out_widths.end());
    s.in_width_decision = in_decision;
    s.out_width_decision = out_decision;
    const int base = space_.filters_base;
    switch (layer.kind) {
      case LayerKind::conv:
      case LayerKind::sepconv:
      case LayerKind::bottleneck: {
        layer.strides = override_for(layer.path, inherited_strides > 0 ? inherited_strides
                                                                       : layer.declared_strides);
        s.out_size = (in_size + layer.strides - 1) / layer.strides;
        if (layer.kind != LayerKind::bottleneck) break;
        const bool any_se = std::find(layer.use_se.options.begin(), layer.use_se.options.end(),
                                      true) != layer.use_se.options.end();
        for (const Width& e : layer.expansion.options) {
          for (int in : in_widths) {
            const int width = e.relative ? scale_filters(in, e.value, base)
                                         : space_.scaled_width(static_cast<int>(e.value));
            s.max_expansion = std::max(s.max_expansion, width);
            if (any_se) s.max_se_hidden = std::max(s.max_se_hidden, make_divisible(0.25 * width, base));
          }
        }
        break;
      }
      case LayerKind::global_avg_pool:
        s.out_size = 1;
        break;
      case LayerKind::activation:
      case LayerKind::detection_endpoint:
        break;
      case LayerKind::zero:
        s.max_out = s.max_in;  // zeros of the input's shape
        break;
      case LayerKind::residual: {
        TUNAS_REQUIRE(in_decision == out_decision || same_widths(in_widths, out_widths),
                      layer.source, ": ", layer.path,
                      ": a residual needs equal input and output widths, but its input width "
                      "comes from another block's filters; put it after the block's first layer");
        Layer& inner = layer.children.at(0);
        const int out = visit(inner, in_widths, out_widths, in_size, in_decision, out_decision,
                              inherited_strides);
        TUNAS_REQUIRE(out == in_size, layer.source, ": ", layer.path,
                      ": the layer inside a residual must keep the spatial size (stride 1), got ",
                      in_size, " -> ", out);
        break;
      }
      case LayerKind::choice: {
        const int strides = override_for(layer.path, inherited_strides);
        int out = -1;
        for (Layer& child : layer.children) {
          const int child_out =
              visit(child, in_widths, out_widths, in_size, in_decision, out_decision, strides);
          if (child.kind == LayerKind::zero) continue;
          TUNAS_REQUIRE(out < 0 || out == child_out, layer.source, ": ", layer.path,
                        ": the options of a layer choice must give one output size, got ", out,
                        " and ", child_out, " (", child.path, ")");
          out = child_out;
        }
        if (out >= 0) s.out_size = out;
        break;
      }
    }
    // Wrappers report the widest expansion / SE width found below them.
    for (const Layer& child : layer.children) {
      s.max_expansion = std::max(s.max_expansion, child.shape.max_expansion);
      s.max_se_hidden = std::max(s.max_se_hidden, child.shape.max_se_hidden);
    }
    return s.out_size;
  }

  Space& space_;
  std::set<std::string> used_;
};

}  // namespace

const Layer* Space::find_layer(const std::string& path) const {
  for (const Block& block : blocks) {
    for (const Layer& layer : block.layers) {
      if (const Layer* found = find_in(layer, path)) return found;
    }
  }
  return nullptr;
}

void configure_network(Space& space, const NetworkConfig& config) {
  TUNAS_REQUIRE(config.resolution >= 1, space.source, ": network resolution must be >= 1, got ",
                config.resolution);
  TUNAS_REQUIRE(config.input_channels >= 1, space.source,
                ": network input_channels must be >= 1, got ", config.input_channels);
  TUNAS_REQUIRE(config.classes >= 1, space.source, ": network classes must be >= 1, got ",
                config.classes);
  TUNAS_REQUIRE(config.width_multiplier > 0 && std::isfinite(config.width_multiplier),
                space.source, ": network width_multiplier must be > 0, got ",
                config.width_multiplier);
  for (const auto& [path, strides] : config.stride_overrides) {
    TUNAS_REQUIRE(strides >= 1, space.source, ": stride override '", path,
                  "' must be >= 1, got ", strides);
  }
  space.network = config;
  ShapePass(space).run();
}

namespace {
bool downsamples(const Layer& layer) {
  if (layer.declared_strides == 2 &&
      (layer.kind == LayerKind::conv || layer.kind == LayerKind::sepconv ||
       layer.kind == LayerKind::bottleneck))
    return true;
  for (const Layer& child : layer.children)
    if (downsamples(child)) return true;
  return false;
}
}  // namespace

std::map<std::string, int> proxy_stride_overrides(const Space& space, int layers) {
  TUNAS_REQUIRE(layers >= 0, "proxy layers must be >= 0, got ", layers);
  std::map<std::string, int> overrides;
  for (const Block& block : space.blocks) {
    for (const Layer& layer : block.layers) {
      if (int(overrides.size()) == layers) return overrides;
      if (downsamples(layer)) overrides[layer.path] = 1;
    }
  }
  return overrides;
}

void configure_data_network(Space& space, int resolution, int input_channels, int classes,
                            double width_multiplier, int proxy_layers) {
  NetworkConfig net = space.network;
  net.resolution = resolution;
  net.input_channels = input_channels;
  net.classes = classes;
  net.width_multiplier = width_multiplier;
  net.stride_overrides = proxy_stride_overrides(space, proxy_layers);
  configure_network(space, net);
}

}  // namespace tunas::spaces
