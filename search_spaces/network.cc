#include "search_spaces/network.h"

#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "search_spaces/rounding.h"

namespace tunas::spaces {
namespace {

class Resolver {
 public:
  Resolver(const Space& space, const Indices& indices) : space_(space), indices_(indices) {}

  Network run() {
    Network net;
    net.resolution = space_.network.resolution;
    net.input_channels = space_.network.input_channels;
    net.classes = space_.network.classes;
    int width = net.input_channels;
    int size = net.resolution;
    for (std::size_t b = 0; b < space_.blocks.size(); ++b) {
      const int out = space_.block_width(static_cast<int>(b), indices_);
      for (const Layer& layer : space_.blocks[b].layers) {
        net.layers.push_back(resolve_layer(layer, static_cast<int>(b), width, out, size, false));
        width = net.layers.back().out_channels;
        size = net.layers.back().out_size;
      }
    }
    net.feature_channels = width;
    net.feature_size = size;
    return net;
  }

  ResolvedLayer resolve_layer(const Layer& layer, int block, int in, int out, int size,
                              bool residual) const {
    ResolvedLayer r;
    r.kind = layer.kind;
    r.path = layer.path;
    r.block = block;
    r.residual = residual;
    r.in_channels = in;
    r.out_channels = out;
    r.in_size = size;
    r.out_size = size;
    switch (layer.kind) {
      case LayerKind::choice:
        return resolve_layer(layer.children[static_cast<std::size_t>(indices_[layer.decision])],
                             block, in, out, size, residual);
      case LayerKind::residual:
        return resolve_layer(layer.children[0], block, in, out, size, true);
      case LayerKind::zero:
        TUNAS_REQUIRE(in == out, layer.source, ": ", layer.path,
                      ": zero picked where the width changes (", in, " -> ", out,
                      "); zero keeps the input's shape");
        break;
      case LayerKind::activation:
      case LayerKind::detection_endpoint:
        r.out_channels = in;
        r.activation = layer.activation;
        break;
      case LayerKind::global_avg_pool:
        r.out_channels = in;
        r.out_size = 1;
        break;
      case LayerKind::conv:
      case LayerKind::sepconv:
      case LayerKind::bottleneck:
        r.kernel_size = layer.kernel_size.pick(indices_);
        r.strides = layer.strides;
        r.out_size = (size + layer.strides - 1) / layer.strides;
        r.use_batch_norm = layer.use_batch_norm;
        r.activation = layer.activation;
        if (layer.kind == LayerKind::bottleneck) {
          const Width e = layer.expansion.pick(indices_);
          r.expansion = e.relative ? scale_filters(in, e.value, space_.filters_base)
                                   : space_.scaled_width(static_cast<int>(e.value));
          r.use_se = layer.use_se.pick(indices_);
          r.se_hidden = r.use_se ? make_divisible(0.25 * r.expansion, space_.filters_base) : 0;
          r.se_inner_activation = layer.se_inner_activation;
          r.se_gating_activation = layer.se_gating_activation;
        }
        break;
    }
    return r;
  }

 private:
  const Space& space_;
  const Indices& indices_;
};

}  // namespace

Network resolve(const Space& space, const Indices& indices) {
  check_indices(space, indices);
  return Resolver(space, indices).run();
}

ResolvedLayer resolve_layer(const Space& space, const Indices& indices, const Layer& layer,
                            int block, int in_channels, int out_channels, int in_size) {
  return Resolver(space, indices).resolve_layer(layer, block, in_channels, out_channels, in_size,
                                                false);
}

std::int64_t layer_params(const ResolvedLayer& l) {
  const std::int64_t in = l.in_channels, out = l.out_channels, k2 = std::int64_t(l.kernel_size) * l.kernel_size;
  switch (l.kind) {
    case LayerKind::conv:
      return k2 * in * out + (l.use_batch_norm ? 2 * out : out);
    case LayerKind::sepconv:
      return k2 * in + 2 * in + in * out + 2 * out;
    case LayerKind::bottleneck: {
      const std::int64_t e = l.expansion, h = l.se_hidden;
      std::int64_t p = in * e + 2 * e + k2 * e + 2 * e + e * out + 2 * out;
      if (l.use_se) p += e * h + h + h * e + e;
      return p;
    }
    case LayerKind::activation:
    case LayerKind::global_avg_pool:
    case LayerKind::detection_endpoint:
    case LayerKind::zero:
    case LayerKind::residual:  // resolved layers carry residual as a flag
    case LayerKind::choice:    // resolved layers are never choices
      return 0;
  }
  return 0;
}

std::int64_t layer_macs(const ResolvedLayer& l) {
  const std::int64_t in = l.in_channels, out = l.out_channels, k2 = std::int64_t(l.kernel_size) * l.kernel_size;
  const std::int64_t in_px = std::int64_t(l.in_size) * l.in_size, out_px = std::int64_t(l.out_size) * l.out_size;
  switch (l.kind) {
    case LayerKind::conv:
      return k2 * in * out * out_px;
    case LayerKind::sepconv:
      return k2 * in * out_px + in * out * out_px;
    case LayerKind::bottleneck: {
      const std::int64_t e = l.expansion, h = l.se_hidden;
      std::int64_t m = in * e * in_px + k2 * e * out_px + e * out * out_px;
      if (l.use_se) m += 2 * e * h;
      return m;
    }
    case LayerKind::activation:
    case LayerKind::global_avg_pool:
    case LayerKind::detection_endpoint:
    case LayerKind::zero:
    case LayerKind::residual:  // resolved layers carry residual as a flag
    case LayerKind::choice:    // resolved layers are never choices
      return 0;
  }
  return 0;
}

std::int64_t count_params(const Network& net) {
  std::int64_t total = std::int64_t(net.feature_channels) * net.classes + net.classes;
  for (const ResolvedLayer& l : net.layers) total += layer_params(l);
  return total;
}

std::int64_t count_macs(const Network& net) {
  std::int64_t total = std::int64_t(net.feature_channels) * net.classes * net.feature_size * net.feature_size;
  for (const ResolvedLayer& l : net.layers) total += layer_macs(l);
  return total;
}

std::string format_network(const Network& net) {
  std::ostringstream os;
  char line[512];
  std::snprintf(line, sizeof line, "%-40s %-19s %4s %6s %11s %7s %6s %-8s %9s %10s %12s\n", "path",
                "kind", "k", "stride", "in->out", "E", "SE", "act", "size", "params", "MACs");
  os << line;
  for (const ResolvedLayer& l : net.layers) {
    std::string kind = layer_kind_name(l.kind);
    if (l.residual) kind = l.kind == LayerKind::zero ? "identity" : "res " + kind;
    if (l.kind == LayerKind::conv && !l.use_batch_norm) kind += "+bias";
    const bool has_kernel = l.kernel_size > 0;
    const bool has_act = l.kind == LayerKind::sepconv || l.kind == LayerKind::bottleneck ||
                         l.kind == LayerKind::activation;
    const std::string io = str_cat(l.in_channels, "->", l.out_channels);
    const std::string size = str_cat(l.in_size, "->", l.out_size);
    std::snprintf(line, sizeof line, "%-40s %-19s %4s %6s %11s %7s %6s %-8s %9s %10lld %12lld\n",
                  l.path.c_str(), kind.c_str(), has_kernel ? std::to_string(l.kernel_size).c_str() : "-",
                  has_kernel ? std::to_string(l.strides).c_str() : "-", io.c_str(),
                  l.kind == LayerKind::bottleneck ? std::to_string(l.expansion).c_str() : "-",
                  l.kind == LayerKind::bottleneck ? (l.use_se ? std::to_string(l.se_hidden).c_str() : "off") : "-",
                  has_act ? activation_name(l.activation) : "-", size.c_str(),
                  static_cast<long long>(layer_params(l)), static_cast<long long>(layer_macs(l)));
    os << line;
  }
  const std::int64_t head_params = std::int64_t(net.feature_channels) * net.classes + net.classes;
  const std::int64_t head_macs = std::int64_t(net.feature_channels) * net.classes * net.feature_size * net.feature_size;
  std::snprintf(line, sizeof line, "%-40s %-19s %4s %6s %11s %7s %6s %-8s %9s %10lld %12lld\n",
                "classifier", "conv1x1+bias", "1", "1",
                str_cat(net.feature_channels, "->", net.classes).c_str(), "-", "-", "-",
                str_cat(net.feature_size, "->", net.feature_size).c_str(),
                static_cast<long long>(head_params), static_cast<long long>(head_macs));
  os << line;
  os << "total: " << count_params(net) << " parameters, " << count_macs(net)
     << " MACs at resolution " << net.resolution << ", " << net.input_channels
     << " input channels, " << net.classes << " classes\n";
  return os.str();
}

}  // namespace tunas::spaces
