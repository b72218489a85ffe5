// PyTorch golden (STYLE G13): tests/golden/make_golden_supernet.py runs the mask-multiply
// PyTorch supernet (benchmarks/pytorch_reference/supernet.py, float64) on a 2-block space and
// writes weights, inputs, masks, logits, loss pieces and every gradient; this test loads the
// weights into the C++ supernet (channel slicing) and compares tensor by tensor.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "search_spaces/parse.h"
#include "supernet/supernet.h"

namespace tunas::supernet {
namespace {

// Same space as SPACE in make_golden_supernet.py.
const char* kGoldenYaml = R"(
name: golden
filters_base: 8
blocks:
  - filters: {one_of: [8, 16]}
    layers:
      - conv: {kernel_size: {one_of: [3, 5]}, strides: 2}
      - activation: swish6
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
      - global_avg_pool
)";

struct GoldenCase {
  std::string name;
  Masks masks;
  std::vector<double> logits;
  double empirical = 0, regularization = 0;
  std::map<std::string, std::vector<double>> grads;
};

struct Golden {
  int decisions = 0;
  std::vector<double> images, labels;
  std::map<std::string, std::vector<double>> params;
  std::vector<GoldenCase> cases;
};

std::vector<double> read_values(std::istringstream& in) {
  std::size_t n = 0;
  in >> n;
  std::vector<double> v(n);
  for (double& x : v) in >> x;
  return v;
}

Golden load_golden(const std::string& path) {
  std::ifstream f(path);
  REQUIRE_MESSAGE(f.good(), "cannot read ", path);
  Golden g;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "decisions") in >> g.decisions;
    else if (key == "images") g.images = read_values(in);
    else if (key == "labels") g.labels = read_values(in);
    else if (key == "param") {
      std::string name;
      in >> name;
      g.params[name] = read_values(in);
    } else if (key == "case") {
      g.cases.emplace_back();
      in >> g.cases.back().name;
      g.cases.back().masks.resize(std::size_t(g.decisions));
    } else if (key == "mask") {
      int d = 0;
      in >> d;
      const std::vector<double> m = read_values(in);
      g.cases.back().masks[std::size_t(d)].assign(m.begin(), m.end());
    } else if (key == "logits") g.cases.back().logits = read_values(in);
    else if (key == "loss") in >> g.cases.back().empirical >> g.cases.back().regularization;
    else if (key == "grad") {
      std::string name;
      in >> name;
      g.cases.back().grads[name] = read_values(in);
    }
  }
  return g;
}

TEST_CASE("golden: 2-block supernet against PyTorch (mask-multiply, float64)") {
  const Golden golden = load_golden(std::string(TUNAS_SOURCE_DIR) + "/tests/golden/supernet_golden.txt");
  spaces::Space space = spaces::parse_space_yaml(kGoldenYaml, "<golden>");
  spaces::NetworkConfig nc;
  nc.resolution = 8;
  nc.classes = 5;
  spaces::configure_network(space, nc);
  REQUIRE(space.num_decisions() == golden.decisions);
  SupernetConfig config;
  config.max_batch = 4;
  config.weight_decay = 1e-2f;
  Supernet net(space, config);
  // Same parameter set, same sizes; load the PyTorch weights.
  REQUIRE(net.params().infos().size() == golden.params.size());
  for (const ParameterInfo& info : net.params().infos()) {
    CAPTURE(info.name);
    const auto it = golden.params.find(info.name);
    REQUIRE(it != golden.params.end());
    REQUIRE(std::int64_t(it->second.size()) == info.size);
    for (std::int64_t i = 0; i < info.size; ++i)
      net.params().values()[info.offset + i] = float(it->second[std::size_t(i)]);
  }
  std::vector<float> images(golden.images.begin(), golden.images.end());
  std::vector<std::int32_t> labels(golden.labels.begin(), golden.labels.end());
  const Tensor x(images.data(), Shape4{4, 8, 8, 3});
  for (const GoldenCase& c : golden.cases) {
    CAPTURE(c.name);
    net.params().zero_grads();
    const ReplicaResult r = net.train_replica(x, labels.data(), c.masks, 1.f);
    CHECK(r.empirical_loss == doctest::Approx(c.empirical).epsilon(1e-5));
    CHECK(r.regularization_loss == doctest::Approx(c.regularization).epsilon(1e-5));
    for (std::size_t i = 0; i < c.logits.size(); ++i)
      CHECK(std::fabs(net.last_logits()[i] - c.logits[i]) <= 1e-5 + 1e-4 * std::fabs(c.logits[i]));
    for (const ParameterInfo& info : net.params().infos()) {
      CAPTURE(info.name);
      const std::vector<double>& g = c.grads.at(info.name);
      int bad = 0;
      double worst = 0;
      for (std::int64_t i = 0; i < info.size; ++i) {
        const double want = g[std::size_t(i)], got = net.params().grads()[info.offset + i];
        const double err = std::fabs(got - want);
        if (err > 2e-5 + 2e-3 * std::fabs(want)) ++bad;
        worst = std::max(worst, err);
      }
      CAPTURE(worst);
      CHECK(bad == 0);
    }
  }
}

}  // namespace
}  // namespace tunas::supernet
