// The tunas_pixel1 latency model: feature layout (spec §5.2, COST_MODEL.md), golden
// latencies (REFERENCE_ARCHS.md §4, tunas_reference_archs.json) and fractional masks.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <map>

#include "core/error.h"
#include "search_spaces/catalog.h"
#include "search_spaces/cost_model.h"
#include "search_spaces/network.h"
#include "search_spaces/parse.h"
#include "search_spaces/pixel1_cost_model.h"
#include "tests/search_spaces/spaces_test_util.h"
#include "tests/test_util.h"

namespace {

using namespace tunas::spaces;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// proxylessnas_search architecture from per-kind choices: sepconv kernel index, bottleneck
// kernel/expansion index, and whether skippable layers are zero.
Indices proxyless_uniform(const Space& space, int sep_k, int k, int e, bool skip) {
  Indices idx(space.decisions.size(), 0);
  for (std::size_t i = 0; i < idx.size(); ++i) {
    const Decision& d = space.decisions[i];
    if (d.path == "blocks/1/layers/0") idx[i] = sep_k;
    else if (ends_with(d.path, "/kernel_size")) idx[i] = k;
    else if (ends_with(d.path, "/expansion_filters")) idx[i] = e;
    else if (d.size() == 2 && d.choices[1].label == "zero") idx[i] = skip ? 1 : 0;
  }
  return idx;
}

std::vector<std::size_t> nonzero(const std::vector<double>& v) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] != 0) out.push_back(i);
  return out;
}

std::vector<double> phi_of(const std::string& yaml, const Indices& indices) {
  const Space space = parse_space_yaml(yaml, "<test>");
  return pixel1_features(space, one_hot_masks(space, indices));
}

}  // namespace

TEST_CASE("feature lengths are 144 / 5983 / 29068") {
  const std::pair<const char*, std::size_t> cases[] = {
      {"proxylessnas_search", 144}, {"proxylessnas_enlarged_search", 5983}, {"mobilenet_v3_like_search", 29068}};
  for (const auto& [name, length] : cases) {
    CAPTURE(name);
    const Space space = load_space(name);
    CHECK(pixel1_features(space, one_hot_masks(space, Indices(space.decisions.size(), 0))).size() == length);
  }
}

TEST_CASE("golden latencies of REFERENCE_ARCHS.md §4 and TUNAS_SPEC §5.3 (1e-3 ms)") {
  const Space space = load_space("proxylessnas_search");
  const auto model = make_cost_model("tunas_pixel1", space);
  CHECK(model->name() == "tunas_pixel1");
  CHECK(model->unit() == "ms");
  const std::string test_arch =
      "0:0:0:1:0:0:0:0:1:0:0:1:0:0:1:0:1:1:0:1:0:0:1:0:0:0:0:0:0:2:1:0:1:1:0:2:1:0:2:1:0:0:1:1:0:0:0:"
      "0:1:0:0:1:0:0:0:1:1:0:2:0:0:0:0:0:1:0:0:0:2:1:0:0:0";
  const std::string mobile =
      "0:0:0:1:0:0:0:0:0:0:0:1:0:0:1:0:2:0:0:0:0:0:1:0:0:1:0:0:0:2:1:0:1:0:0:1:0:0:1:0:0:0:1:1:0:1:0:"
      "0:1:0:0:1:0:0:0:2:1:0:2:1:0:2:0:0:2:0:0:0:2:1:0:0:0";
  CHECK(std::abs(model->cost_of(parse_indices(space, test_arch)) - 84.0167) < 1e-3);
  CHECK(std::abs(model->cost_of(parse_indices(space, mobile)) - 84.4162) < 1e-3);
  CHECK(std::abs(model->cost_of(proxyless_uniform(space, 0, 0, 0, true)) - 30.9361) < 1e-3);
  CHECK(std::abs(model->cost_of(proxyless_uniform(space, 2, 2, 1, false)) - 219.0914) < 1e-3);
  CHECK(std::abs(model->cost_of(proxyless_uniform(space, 0, 0, 0, false)) - 70.7398) < 1e-3);
  CHECK(std::abs(model->cost_of(proxyless_uniform(space, 0, 0, 1, false)) - 135.3072) < 1e-3);

  const Space enlarged = load_space("proxylessnas_enlarged_search");
  const auto big = make_cost_model("tunas_pixel1", enlarged);
  const std::pair<const char*, double> refs[] = {
      {"3:0:1:0:1:0:0:1:0:0:0:1:0:0:1:2:0:1:0:0:1:0:0:1:0:0:0:1:2:0:1:0:0:1:0:0:1:0:0:1:0:3:0:1:0:0:1:0:0:1:"
       "0:0:0:1:2:0:1:0:0:1:0:0:1:0:0:0:1:1:0:1:0:1:4", 77.222},
      {"3:0:1:0:0:0:0:0:0:0:0:0:0:0:1:2:1:0:0:1:0:0:1:0:0:0:0:1:3:1:1:0:1:1:0:1:1:0:0:0:1:4:0:1:0:0:1:0:0:0:"
       "1:0:0:1:2:1:1:0:1:1:0:1:1:0:1:1:0:2:0:1:0:1:4", 84.512},
      {"3:0:1:1:0:0:0:0:0:0:0:1:0:0:1:3:2:0:0:0:0:0:1:0:0:1:0:0:3:2:1:0:1:0:0:1:0:0:1:0:0:4:1:1:0:1:0:0:1:0:"
       "0:1:0:0:2:2:1:0:2:1:0:2:0:0:2:0:0:2:2:1:0:1:4", 84.405},
  };
  for (const auto& [indices, ms] : refs) CHECK(std::abs(big->cost_of(parse_indices(enlarged, indices)) - ms) < 1e-3);
}

TEST_CASE("every entry of tunas_reference_archs.json reproduces to 1e-3 ms") {
  const YAML::Node root = YAML::LoadFile(tunas::test::spaces_test_data("tunas_reference_archs.json"));
  int checked = 0;
  for (const auto& kv : root["spaces"]) {
    const std::string name = kv.first.as<std::string>();
    const Space space = load_space(name);
    CHECK(space.num_decisions() == kv.second["num_decisions"].as<int>());
    const auto model = make_cost_model("tunas_pixel1", space);
    int pos = 0;
    for (const YAML::Node& n : kv.second["num_choices"]) CHECK(space.decisions[static_cast<std::size_t>(pos++)].size() == n.as<int>());
    for (const YAML::Node& ref : kv.second["reference"]) {
      CAPTURE(name);
      CAPTURE(ref["name"].as<std::string>());
      const Indices idx = ref["indices"].as<std::vector<int>>();
      CHECK(std::abs(model->cost_of(idx) - ref["cost_ms"].as<double>()) < 1e-3);
      ++checked;
    }
  }
  CHECK(checked >= 20);
}

TEST_CASE("non-zero feature positions of COST_MODEL.md §5 worked examples") {
  const Space space = load_space("proxylessnas_search");
  const std::string mobile =
      "0:0:0:1:0:0:0:0:0:0:0:1:0:0:1:0:2:0:0:0:0:0:1:0:0:1:0:0:0:2:1:0:1:0:0:1:0:0:1:0:0:0:1:1:0:1:0:"
      "0:1:0:0:1:0:0:0:2:1:0:2:1:0:2:0:0:2:0:0:0:2:1:0:0:0";
  CHECK(nonzero(pixel1_features(space, one_hot_masks(space, parse_indices(space, mobile)))) ==
        std::vector<std::size_t>{0, 5, 9, 22, 29, 34, 36, 45, 52, 62, 65, 72, 79, 87, 92, 99, 106, 116, 122,
                                 128, 135, 143});
  const Space enlarged = load_space("proxylessnas_enlarged_search");
  const std::string v2 =
      "3:0:1:0:1:0:0:1:0:0:0:1:0:0:1:2:0:1:0:0:1:0:0:1:0:0:0:1:2:0:1:0:0:1:0:0:1:0:0:1:0:3:0:1:0:0:1:0:0:1:"
      "0:0:0:1:2:0:1:0:0:1:0:0:1:0:0:0:1:1:0:1:0:1:4";
  CHECK(nonzero(pixel1_features(enlarged, one_hot_masks(enlarged, parse_indices(enlarged, v2)))) ==
        std::vector<std::size_t>{3, 19, 41, 73, 139, 251, 368, 480, 526, 593, 775, 1027, 1284, 1446, 1589, 1889, 2232,
                                 2575, 2852, 3156, 3499, 3847, 4088, 4176, 4472, 4815, 5163, 5452, 5542, 5795, 5865,
                                 5917, 5966});
}

TEST_CASE("spec §5.2 unit-test phi patterns") {
  const std::string head = "blocks:\n  - filters: 32\n    layers:\n      - ";
  // op{zero, conv5} -> phi = mask
  CHECK(phi_of(head + "one_of: [zero, {conv: {kernel_size: 5}}]\n", {0, 0}) == std::vector<double>{1, 0});
  CHECK(phi_of(head + "one_of: [zero, {conv: {kernel_size: 5}}]\n", {1, 0}) == std::vector<double>{0, 1});
  // op{zero, conv(kernel = op{3,5,7})} -> 4 features; decisions: kernel, op, filters
  const std::string nested = head + "one_of: [zero, {conv: {kernel_size: {one_of: [3, 5, 7]}}}]\n";
  CHECK(phi_of(nested, {0, 0, 0}) == std::vector<double>{1, 0, 0, 0});
  CHECK(phi_of(nested, {1, 1, 0}) == std::vector<double>{0, 0, 1, 0});
  // op{sep(k = op{3,5,7}), conv(k = op{3,5})} -> 5 features
  const std::string two = head +
                          "one_of: [{sepconv: {kernel_size: {one_of: [3, 5, 7]}}}, "
                          "{conv: {kernel_size: {one_of: [3, 5]}}}]\n";
  CHECK(phi_of(two, {2, 0, 0, 0}) == std::vector<double>{0, 0, 1, 0, 0});
  CHECK(phi_of(two, {2, 1, 1, 0}) == std::vector<double>{0, 0, 0, 0, 1});
  // op{zero} alone -> [1]
  CHECK(phi_of(head + "one_of: [zero]\n", {0, 0}) == std::vector<double>{1});
  // Fractional masks pass through unchanged.
  const Space space = parse_space_yaml(head + "one_of: [zero, {conv: {kernel_size: 5}}]\n", "<test>");
  CHECK(pixel1_features(space, Masks{{0.25f, 0.75f}, {1.f}}) == std::vector<double>{0.25, 0.75});
}

TEST_CASE("fractional op masks: the latency is affine in each op mask") {
  const Space space = load_space("mobilenet_v3_like_search");
  const auto model = make_cost_model("tunas_pixel1", space);
  tunas::Rng rng = tunas::test::make_rng("pixel1 affine op masks");
  for (int trial = 0; trial < 20; ++trial) {
    Indices base(space.decisions.size());
    for (std::size_t i = 0; i < base.size(); ++i)
      base[i] = static_cast<int>(rng.uniform_int(static_cast<std::uint32_t>(space.decisions[i].size())));
    const std::size_t d = rng.uniform_int(static_cast<std::uint32_t>(base.size()));
    if (space.decisions[d].tag != Tag::op) continue;  // filter masks are one-hot (in and out share them)
    const int n = space.decisions[d].size();
    Masks masks = one_hot_masks(space, base);
    std::vector<float> weights(static_cast<std::size_t>(n));
    float total = 0;
    for (auto& w : weights) total += (w = rng.uniform() + 0.1f);
    double expected = 0;
    for (int c = 0; c < n; ++c) {
      Indices one = base;
      one[d] = c;
      weights[static_cast<std::size_t>(c)] /= total;
      expected += weights[static_cast<std::size_t>(c)] * model->cost_of(one);
    }
    masks[d] = weights;
    CAPTURE(space.decisions[d].path);
    CHECK(model->cost(masks) == doctest::Approx(expected).epsilon(1e-6));
  }
}

TEST_CASE("warm-up masks in proxylessnas_search equal the mean over enumerated op choices") {
  // Op warm-up: 1/n on every op node; filter warm-up: one-hot at largest_choice. With fixed
  // block widths each layer's segment depends on its own decisions only, so the latency is
  // the base cost plus each layer's mean deviation, enumerated here from one-hot costs.
  const Space space = load_space("proxylessnas_search");
  const auto model = make_cost_model("tunas_pixel1", space);
  Masks warm(space.decisions.size());
  Indices base(space.decisions.size(), 0);
  std::map<std::string, std::vector<std::size_t>> op_nodes_by_layer;
  for (std::size_t i = 0; i < warm.size(); ++i) {
    const Decision& d = space.decisions[i];
    if (d.tag == Tag::op) {
      warm[i].assign(static_cast<std::size_t>(d.size()), 1.f / static_cast<float>(d.size()));
      const std::size_t third_slash = d.path.find('/', d.path.find("/layers/") + 8);
      op_nodes_by_layer[d.path.substr(0, third_slash)].push_back(i);
    } else {
      warm[i].assign(static_cast<std::size_t>(d.size()), 0.f);
      warm[i][static_cast<std::size_t>(d.largest_choice)] = 1.f;
      base[i] = d.largest_choice;
    }
  }
  const double base_cost = model->cost_of(base);
  double expected = base_cost;
  for (const auto& [layer, nodes] : op_nodes_by_layer) {
    std::vector<int> digit(nodes.size(), 0);
    double sum = 0;
    int count = 0;
    while (true) {
      Indices idx = base;
      for (std::size_t j = 0; j < nodes.size(); ++j) idx[nodes[j]] = digit[j];
      sum += model->cost_of(idx);
      ++count;
      std::size_t j = 0;
      while (j < nodes.size() && ++digit[j] == space.decisions[nodes[j]].size()) digit[j++] = 0;
      if (j == nodes.size()) break;
    }
    expected += sum / count - base_cost;
  }
  CHECK(model->cost(warm) == doctest::Approx(expected).epsilon(1e-6));
  CHECK(model->cost(warm) != doctest::Approx(base_cost));
}

TEST_CASE("cost model factory: names, macs/params models, errors") {
  CHECK(cost_model_names() == std::vector<std::string>{"tunas_pixel1", "macs", "params"});
  const Space space = load_space("proxylessnas_search");
  const Indices idx = proxyless_uniform(space, 1, 1, 1, false);
  const Network net = resolve(space, idx);
  const auto macs = make_cost_model("macs", space);
  const auto params = make_cost_model("params", space);
  CHECK(macs->cost_of(idx) == static_cast<double>(count_macs(net)));
  CHECK(params->cost_of(idx) == static_cast<double>(count_params(net)));
  CHECK(macs->unit() == "MACs");
  // Fractional masks give the expected count (test_warmup_cost.cc), not the arg-max's count.
  Masks masks = one_hot_masks(space, idx);
  for (auto& m : masks) for (auto& v : m) v = v * 0.6f + 0.4f / static_cast<float>(m.size());
  CHECK(macs->cost(masks) != static_cast<double>(count_macs(net)));

  CHECK_THROWS_WITH_AS(make_cost_model("lut9", space), doctest::Contains("unknown cost model 'lut9' (valid: tunas_pixel1, macs, params)"), tunas::Error);
  const Space v2 = load_space("mobilenet_v2");
  CHECK_THROWS_WITH_AS(make_cost_model("tunas_pixel1", v2), doctest::Contains("space 'mobilenet_v2'"), tunas::Error);
  CHECK_THROWS_WITH_AS(make_pixel1_cost_model(space, CostModelOptions{"/nonexistent/cost.json"}),
                       doctest::Contains("/nonexistent/cost.json: cannot open"), tunas::Error);
  CHECK_THROWS_WITH_AS(load_pixel1_weights(data_file("tunas_cost_model.json"), "foo_search"),
                       doctest::Contains("no Pixel-1 weights for 'foo_search' (available: proxylessnas_search"),
                       tunas::Error);
  // A space whose decisions differ from the weights' space.
  Space other = load_space("proxylessnas_enlarged_search");
  other.pixel1_weights = "proxylessnas_search";
  CHECK_THROWS_WITH_AS(make_cost_model("tunas_pixel1", other), doctest::Contains("have 144 features"), tunas::Error);
  // Wrong mask shapes.
  const auto pixel1 = make_cost_model("tunas_pixel1", space);
  Masks bad = one_hot_masks(space, idx);
  bad[3].push_back(0.f);
  CHECK_THROWS_WITH_AS(pixel1->cost(bad), doctest::Contains("the mask of blocks/2/layers/0/choices/0/kernel_size has 4 entries"),
                       tunas::Error);
  bad.pop_back();
  CHECK_THROWS_WITH_AS(pixel1->cost(bad), doctest::Contains("got 72 masks, the space has 73"), tunas::Error);
}
