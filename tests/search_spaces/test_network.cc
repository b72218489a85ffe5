// Resolved networks: reference parameter counts, MACs against an independent layer table,
// Appendix C max widths, and the proxy network configuration.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "search_spaces/catalog.h"
#include "search_spaces/cost_model.h"
#include "search_spaces/network.h"
#include "search_spaces/parse.h"
#include "search_spaces/rounding.h"
#include "tests/search_spaces/spaces_test_util.h"

namespace {

using namespace tunas::spaces;

const char* const kMobile =
    "0:0:0:1:0:0:0:0:0:0:0:1:0:0:1:0:2:0:0:0:0:0:1:0:0:1:0:0:0:2:1:0:1:0:0:1:0:0:1:0:0:0:1:1:0:1:0:"
    "0:1:0:0:1:0:0:0:2:1:0:2:1:0:2:0:0:2:0:0:0:2:1:0:0:0";

const ResolvedLayer& find(const Network& net, const std::string& path) {
  for (const ResolvedLayer& l : net.layers)
    if (l.path == path) return l;
  FAIL("no resolved layer " << path);
  return net.layers.front();
}

const Layer* first_conv_like(const Layer* layer) {
  if (layer->kind == LayerKind::conv || layer->kind == LayerKind::sepconv || layer->kind == LayerKind::bottleneck)
    return layer;
  for (const Layer& c : layer->children)
    if (const Layer* f = first_conv_like(&c)) return f;
  return nullptr;
}

}  // namespace

TEST_CASE("reference parameter counts (REFERENCE_ARCHS.md, 1001 classes)") {
  const std::pair<const char*, std::int64_t> cases[] = {
      {"mobilenet_v2", 3506153}, {"mobilenet_v3_large", 5484313}, {"mnasnet_b1", 4384593}, {"proxylessnas_mobile", 4081793}};
  for (const auto& [name, params] : cases) {
    CAPTURE(name);
    const Space space = load_space(name);
    const Network net = resolve(space, parse_indices(space, ""));
    CHECK(count_params(net) == params);
    CHECK(net.classes == 1001);
  }
  // ProxylessNAS-Mobile inside proxylessnas_search is the same network.
  const Space space = load_space("proxylessnas_search");
  CHECK(count_params(resolve(space, parse_indices(space, kMobile))) == 4081793);
}

TEST_CASE("MobileNetV2 MACs equal an independent count from the REFERENCE_ARCHS.md layer table") {
  // (in, E, out, kernel, stride, input size) of every bottleneck.
  struct B { std::int64_t in, e, out, k, s, size; };
  const B bottlenecks[] = {{16, 96, 24, 3, 2, 112},  {24, 144, 24, 3, 1, 56},  {24, 144, 32, 3, 2, 56},
                           {32, 192, 32, 3, 1, 28},  {32, 192, 32, 3, 1, 28},  {32, 192, 64, 3, 2, 28},
                           {64, 384, 64, 3, 1, 14},  {64, 384, 64, 3, 1, 14},  {64, 384, 64, 3, 1, 14},
                           {64, 384, 96, 3, 1, 14},  {96, 576, 96, 3, 1, 14},  {96, 576, 96, 3, 1, 14},
                           {96, 576, 160, 3, 2, 14}, {160, 960, 160, 3, 1, 7}, {160, 960, 160, 3, 1, 7},
                           {160, 960, 320, 3, 1, 7}};
  std::int64_t macs = 9 * 3 * 32 * 112 * 112;           // stem
  macs += 9 * 32 * 112 * 112 + 32 * 16 * 112 * 112;     // separable conv
  for (const B& b : bottlenecks) {
    const std::int64_t out = b.size / b.s;
    macs += b.in * b.e * b.size * b.size + b.k * b.k * b.e * out * out + b.e * b.out * out * out;
  }
  macs += 320 * 1280 * 7 * 7 + 1280 * 1001;  // head conv, classifier
  const Space space = load_space("mobilenet_v2");
  CHECK(count_macs(resolve(space, parse_indices(space, ""))) == macs);
  CHECK(macs - 1280 == 300774272);  // the usual 1000-class MobileNetV2 figure
}

TEST_CASE("MobileNetV3-Large resolves with the table's SE widths and a bias conv on 1x1") {
  const Space space = load_space("mobilenet_v3_large");
  const Network net = resolve(space, parse_indices(space, ""));
  std::vector<int> se;
  for (const ResolvedLayer& l : net.layers)
    if (l.use_se) se.push_back(l.se_hidden);
  CHECK(se == std::vector<int>{24, 32, 32, 120, 168, 168, 240, 240});
  const ResolvedLayer& last = find(net, "blocks/7/layers/0");
  CHECK(last.kind == LayerKind::conv);
  CHECK_FALSE(last.use_batch_norm);
  CHECK(last.in_size == 1);
  CHECK(last.in_channels == 960);
  CHECK(last.out_channels == 1280);
  CHECK(net.feature_channels == 1280);
  const ResolvedLayer& b3 = find(net, "blocks/3/layers/1/layer");
  CHECK(b3.residual);
  CHECK(b3.expansion == 200);
  CHECK(b3.activation == Activation::hswish);
}

TEST_CASE("resolve: ProxylessNAS-Mobile layers (kernel, expansion, widths, zero as identity)") {
  const Space space = load_space("proxylessnas_search");
  const Network net = resolve(space, parse_indices(space, kMobile));
  const ResolvedLayer& first = find(net, "blocks/2/layers/0/choices/0");
  CHECK(first.kind == LayerKind::bottleneck);
  CHECK(first.kernel_size == 5);
  CHECK(first.in_channels == 16);
  CHECK(first.expansion == 48);  // x3 of the 16-wide input
  CHECK(first.out_channels == 32);
  CHECK(first.strides == 2);
  CHECK(first.in_size == 112);
  CHECK(first.out_size == 56);
  CHECK_FALSE(first.residual);
  const ResolvedLayer& skipped = find(net, "blocks/2/layers/2/layer/choices/1");
  CHECK(skipped.kind == LayerKind::zero);
  CHECK(skipped.residual);
  const ResolvedLayer& b6 = find(net, "blocks/6/layers/1/layer/choices/0");
  CHECK(b6.kernel_size == 7);
  CHECK(b6.expansion == 6 * 192);
  CHECK(b6.residual);
  CHECK(net.feature_channels == 1280);
  CHECK(net.feature_size == 1);
  const std::string table = format_network(net);
  CHECK(table.find("identity") != std::string::npos);
  CHECK(table.find("total: 4081793 parameters") != std::string::npos);
}

TEST_CASE("Appendix C: largest widths and sizes per position") {
  const std::pair<const char*, const char*> cases[] = {
      {"proxylessnas_enlarged_search", "appendix_c1_proxylessnas_enlarged_search.tsv"},
      {"mobilenet_v3_like_search", "appendix_c2_mobilenet_v3_like_search.tsv"}};
  for (const auto& [name, file] : cases) {
    const Space space = load_space(name);
    const auto rows = tunas::test::read_tsv(tunas::test::spaces_test_data(file));
    CHECK(rows.size() == 24);
    for (const auto& r : rows) {
      const std::string path = "blocks/" + r[0] + "/layers/" + r[1];
      CAPTURE(name);
      CAPTURE(path);
      const Layer* layer = space.find_layer(path);
      REQUIRE(layer != nullptr);
      const Layer* conv = first_conv_like(layer);
      REQUIRE(conv != nullptr);
      CHECK(conv->strides == std::stoi(r[3]));
      CHECK(layer->shape.out_size == std::stoi(r[4]));
      CHECK(layer->shape.max_in == std::stoi(r[5]));
      if (!r[6].empty()) CHECK(layer->shape.max_expansion == std::stoi(r[6]));
      CHECK(layer->shape.max_out == std::stoi(r[7]));
      CHECK(layer->shape.out_width_decision == space.blocks[static_cast<std::size_t>(std::stoi(r[0]))].filters_decision);
    }
  }
  // SE hidden widths reach make_divisible(E/4, 8): 48, 96, 192, 384, 768.
  const Space v3 = load_space("mobilenet_v3_like_search");
  CHECK(v3.find_layer("blocks/1/layers/1")->shape.max_se_hidden == 48);
  CHECK(v3.find_layer("blocks/5/layers/3")->shape.max_se_hidden == 768);
  CHECK(v3.find_layer("blocks/0/layers/0")->shape.in_width_decision == -1);
  CHECK(v3.find_layer("blocks/1/layers/0")->shape.in_width_decision == v3.blocks[0].filters_decision);
  // proxylessnas_search: largest expansion 6*192 at 7x7.
  const Space p = load_space("proxylessnas_search");
  CHECK(p.find_layer("blocks/7/layers/0")->shape.max_expansion == 1152);
}

TEST_CASE("proxy network configuration keeps decisions and latency, changes the network") {
  const Space original = load_space("proxylessnas_search");
  const Space proxy = parse_space_file(std::string(TUNAS_SOURCE_DIR) + "/search_spaces/examples/proxylessnas_fashion_mnist.yaml");
  REQUIRE(proxy.num_decisions() == original.num_decisions());
  for (std::size_t i = 0; i < proxy.decisions.size(); ++i) {
    CHECK(proxy.decisions[i].path == original.decisions[i].path);
    CHECK(proxy.decisions[i].size() == original.decisions[i].size());
  }
  const Indices idx = parse_indices(proxy, kMobile);
  CHECK(std::abs(make_cost_model("tunas_pixel1", proxy)->cost_of(idx) - 84.4162) < 1e-3);
  const Network net = resolve(proxy, idx);
  CHECK(net.resolution == 32);
  CHECK(net.input_channels == 1);
  CHECK(net.classes == 10);
  CHECK(net.layers.front().in_channels == 1);
  CHECK(net.layers.front().out_channels == 16);  // scale(32, 0.5, 8)
  CHECK(net.layers.front().strides == 1);
  CHECK(net.layers.front().out_size == 32);
  CHECK(find(net, "blocks/2/layers/0/choices/0").strides == 1);
  CHECK(find(net, "blocks/2/layers/0/choices/0").out_size == 32);
  CHECK(find(net, "blocks/6/layers/0/choices/0").out_size == 4);
  CHECK(net.feature_channels == scale_filters(1280, 0.5, 8));
  CHECK(count_params(net) < 4081793 / 2);

  // The same through the API, with validation.
  Space api = original;
  NetworkConfig cfg = api.network;
  cfg.resolution = 32;
  cfg.input_channels = 1;
  cfg.classes = 10;
  cfg.width_multiplier = 0.5;
  cfg.stride_overrides = {{"blocks/0/layers/0", 1}, {"blocks/2/layers/0", 1}};
  configure_network(api, cfg);
  CHECK(count_params(resolve(api, idx)) == count_params(net));
  CHECK(api.find_layer("blocks/2/layers/1")->shape.in_size == 32);
  cfg.stride_overrides = {{"blocks/9/layers/0", 1}};
  CHECK_THROWS_WITH_AS(configure_network(api, cfg), doctest::Contains("stride override 'blocks/9/layers/0' names no"),
                       tunas::Error);
  cfg.stride_overrides = {{"blocks/2/layers/1/layer", 2}};  // inside a residual
  CHECK_THROWS_WITH_AS(configure_network(api, cfg), doctest::Contains("must keep the spatial size"), tunas::Error);
  cfg.stride_overrides.clear();
  cfg.width_multiplier = 0;
  CHECK_THROWS_WITH_AS(configure_network(api, cfg), doctest::Contains("width_multiplier must be > 0"), tunas::Error);
  cfg.width_multiplier = 1;
  cfg.classes = 0;
  CHECK_THROWS_WITH_AS(configure_network(api, cfg), doctest::Contains("classes must be >= 1"), tunas::Error);
}

TEST_CASE("user example space: parses, resolves, counts") {
  const Space space = parse_space_file(std::string(TUNAS_SOURCE_DIR) + "/search_spaces/examples/tiny_space.yaml");
  CHECK(space.name == "tiny_space");
  CHECK(space.num_decisions() == 19);
  CHECK(space.blocks[2].widths == std::vector<int>{16, 32, 48});
  Indices idx(space.decisions.size(), 0);
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = space.decisions[i].largest_choice;
  const Network net = resolve(space, idx);
  CHECK(net.classes == 100);
  CHECK(net.resolution == 64);
  CHECK(count_params(net) > 0);
  CHECK(make_cost_model("macs", space)->cost_of(idx) == static_cast<double>(count_macs(net)));
}

TEST_CASE("proxy stride overrides: the stem, then the first stride-2 block") {
  using tunas::spaces::proxy_stride_overrides;
  const auto pxl = tunas::spaces::load_space("proxylessnas_search");
  CHECK(proxy_stride_overrides(pxl) ==
        std::map<std::string, int>{{"blocks/0/layers/0", 1}, {"blocks/2/layers/0", 1}});
  CHECK(proxy_stride_overrides(pxl, 1) == std::map<std::string, int>{{"blocks/0/layers/0", 1}});
  CHECK(proxy_stride_overrides(pxl, 0).empty());
  const auto v3 = tunas::spaces::load_space("mobilenet_v3_like_search");
  CHECK(proxy_stride_overrides(v3) ==
        std::map<std::string, int>{{"blocks/0/layers/0", 1}, {"blocks/1/layers/0", 1}});
  CHECK_THROWS_AS(proxy_stride_overrides(pxl, -1), tunas::Error);
  // Applied: a 32x32 proxylessnas network keeps 32x32 through block 2.
  auto space = pxl;
  tunas::spaces::NetworkConfig net = space.network;
  net.resolution = 32;
  net.stride_overrides = proxy_stride_overrides(space);
  tunas::spaces::configure_network(space, net);
  CHECK(space.find_layer("blocks/2/layers/1")->shape.in_size == 32);
  CHECK(space.find_layer("blocks/3/layers/1")->shape.in_size == 16);
}
