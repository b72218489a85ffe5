// tunas_latency: configuration enumeration, table files, resume, the "lut" cost model, its
// errors, the agreement statistics and the correction fit. Fast: timings are stubbed except
// in the runner smoke test.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <unistd.h>

#include "core/error.h"
#include "core/files.h"
#include "core/rng.h"
#include "latency/lut_cost_model.h"
#include "latency/profile.h"
#include "latency/runner.h"
#include "latency/stats.h"
#include "search_spaces/catalog.h"
#include "search_spaces/network.h"

namespace {

using namespace tunas;
using namespace tunas::latency;

// Hand count (filters_base 8, resolution 8):
//   block 0 conv 3->8 k3                                      1
//   block 1 layer 0 bottleneck 8->{8,16}, k{3,5}, E{x2=16, x4=32}  2*2*2 = 8
//   block 1 layer 1 residual: bottleneck w->w (w in {8,16}), E = x2*w, SE {off,on}: 4,
//                   zero (identity) at w in {8,16}: 2          6
//   block 2 conv 1x1 {8,16}->16 at 4x4                         2
//   block 2 global_avg_pool 16 at 4x4                          1
//   classifier 16->5 at 1x1                                    1
//                                                     total   19
const char* kTinyYaml = R"(name: lut_tiny
description: latency test space
filters_base: 8
target_latency_ms: 0
network:
  resolution: 8
  input_channels: 3
  classes: 5
blocks:
  - filters: 8
    layers:
      - conv: {kernel_size: 3, strides: 1}
  - filters: {one_of: [8, 16]}
    layers:
      - bottleneck: {kernel_size: {one_of: [3, 5]}, expansion_filters: {one_of: [x2, x4]}, strides: 2}
      - residual:
          one_of:
            - bottleneck: {kernel_size: 3, expansion_filters: x2, use_squeeze_and_excite: {one_of: [false, true]}}
            - zero
  - filters: 16
    layers:
      - conv: {kernel_size: 1}
      - global_avg_pool
)";

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("tunas_latency_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

spaces::Space tiny_space() {
  const std::string path = temp_path("lut_tiny.yaml");
  write_file_atomic(path, kTinyYaml);
  return spaces::load_space(path);
}

// A deterministic stand-in for the clock: depends only on the configuration.
Timing fake_timing(const LayerConfig& c) {
  Timing t;
  t.median_ms = 0.001 * c.in_channels + 0.01 * c.kernel + 0.0001 * c.expansion + (c.residual ? 0.5 : 0) +
                (c.se_hidden ? 0.25 : 0) + 0.003 * c.out_channels;
  t.p10_ms = 0.9 * t.median_ms;
  t.p90_ms = 1.1 * t.median_ms;
  t.repeats = 7;
  return t;
}

LutTable fake_table(const spaces::Space& space, const std::string& out = "") {
  ProfileOptions o;
  o.out = out;
  o.progress = false;
  o.method = "isolated";  // every configuration through the timer
  o.timer = fake_timing;
  return profile_space(space, o);
}

}  // namespace

TEST_CASE("enumeration: tiny space count and keys match the hand count") {
  const spaces::Space space = tiny_space();
  const std::vector<LayerConfig> configs = enumerate_layer_configs(space);
  std::set<std::string> keys;
  for (const auto& c : configs) keys.insert(c.key());
  CHECK(configs.size() == 19);
  CHECK(keys.size() == configs.size());
  std::map<std::string, int> per_kind;
  for (const auto& c : configs) per_kind[config_kind_name(c.kind) + std::string(c.residual ? "+res" : "")]++;
  CHECK(per_kind["conv"] == 3);
  CHECK(per_kind["bottleneck"] == 8);
  CHECK(per_kind["bottleneck+res"] == 4);
  CHECK(per_kind["zero+res"] == 2);
  CHECK(per_kind["global_avg_pool"] == 1);
  CHECK(per_kind["classifier"] == 1);
  CHECK(keys.count("conv:i3:o8:k3:s1:e0:se0:r8:res0:bn"));
  CHECK(keys.count("bottleneck:i8:o16:k5:s2:e32:se0:relu:r8:res0"));
  CHECK(keys.count("bottleneck:i8:o8:k3:s2:e16:se0:relu:r8:res0"));
  // relative expansion from the ACTIVE input width: x2 of 16 = 32; SE hidden 32/4 = 8
  CHECK(keys.count("bottleneck:i16:o16:k3:s1:e32:se8:relu/sigmoid:relu:r4:res1"));
  CHECK(keys.count("bottleneck:i8:o8:k3:s1:e16:se8:relu/sigmoid:relu:r4:res1"));
  CHECK(keys.count("zero:i16:o16:k0:s1:e0:se0:r4:res1"));
  CHECK(keys.count("conv:i16:o16:k1:s1:e0:se0:r4:res0:bn"));
  CHECK(keys.count("classifier:i16:o5:k1:s1:e0:se0:r1:res0"));
}

TEST_CASE("enumeration covers every sampled architecture (proxy proxylessnas_search)") {
  spaces::Space space = spaces::load_space("proxylessnas_search");
  spaces::NetworkConfig net = space.network;
  net.resolution = 32;
  net.input_channels = 1;
  net.classes = 10;
  net.width_multiplier = 0.5;
  spaces::configure_network(space, net);
  net.stride_overrides = spaces::proxy_stride_overrides(space);
  spaces::configure_network(space, net);
  CHECK(net.stride_overrides.size() == 2);
  std::set<std::string> keys;
  for (const auto& c : enumerate_layer_configs(space)) keys.insert(c.key());
  Rng rng(3, 7);
  for (int n = 0; n < 50; ++n) {
    spaces::Indices idx(space.decisions.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = int(rng.uniform_int(space.decisions[i].size()));
    for (const auto& c : network_configs(spaces::resolve(space, idx))) {
      INFO(c.key());
      CHECK(keys.count(c.key()) == 1);
    }
  }
}

TEST_CASE("table JSON round trip") {
  const spaces::Space space = tiny_space();
  LutTable t = fake_table(space);
  t.settings.stride_overrides["blocks/0/layers/0"] = 1;
  t.correction = Correction{1.25, -0.125, "test"};
  const std::string text = t.to_json();
  const LutTable r = LutTable::from_json_text(text, "memory");
  CHECK(r.to_json() == text);
  REQUIRE(r.entries.size() == t.entries.size());
  for (std::size_t i = 0; i < r.entries.size(); ++i) {
    CHECK(r.entries[i].config == t.entries[i].config);
    CHECK(r.entries[i].timing.median_ms == t.entries[i].timing.median_ms);
    CHECK(r.entries[i].timing.p90_ms == t.entries[i].timing.p90_ms);
  }
  CHECK(r.settings.stride_overrides.at("blocks/0/layers/0") == 1);
  CHECK(r.settings.network_mismatch(t.settings).empty());
  REQUIRE(r.correction);
  CHECK(r.correction->scale == 1.25);
  CHECK(r.complete());
  CHECK_THROWS_WITH_AS(LutTable::from_json_text("{\"format\": \"other\"}", "x.json"),
                       doctest::Contains("x.json"), Error);
}

TEST_CASE("resume continues a partial table") {
  const spaces::Space space = tiny_space();
  const std::string path = temp_path("resume.json");
  std::filesystem::remove(path);
  LutTable full = fake_table(space, path);
  LutTable partial = LutTable::load(path);
  partial.entries.resize(7);
  for (auto& e : partial.entries) e.timing.median_ms = 42;  // must survive the resume
  partial.save(path);
  CHECK_FALSE(LutTable::load(path).complete());
  int calls = 0;
  ProfileOptions o;
  o.out = path;
  o.resume = true;
  o.progress = false;
  o.save_every = 3;
  o.method = "isolated";
  o.timer = [&](const LayerConfig& c) {
    ++calls;
    return fake_timing(c);
  };
  const LutTable resumed = profile_space(space, o);
  CHECK(calls == 12);
  CHECK(resumed.entries.size() == 19);
  CHECK(resumed.complete());
  const LutTable reread = LutTable::load(path);
  CHECK(reread.entries.size() == 19);
  for (int i = 0; i < 7; ++i) CHECK(reread.entries[i].timing.median_ms == 42);
  // a table with other settings is not resumed
  LutTable other = reread;
  other.settings.resolution = 16;
  other.save(path);
  CHECK_THROWS_WITH_AS(profile_space(space, o), doctest::Contains("resolution"), Error);
}

TEST_CASE("lut cost model = sum of table entries (+ correction)") {
  const spaces::Space space = tiny_space();
  const std::string path = temp_path("ones.json");
  LutTable t = fake_table(space);
  for (auto& e : t.entries) e.timing.median_ms = 1.0;
  t.save(path);
  register_latency_cost_models();
  register_latency_cost_models();  // idempotent
  const spaces::Indices zeros(space.decisions.size(), 0);
  // conv, bottleneck, residual bottleneck, conv 1x1, global_avg_pool, classifier
  CHECK(spaces::make_cost_model("lut", space, {path})->cost_of(zeros) == doctest::Approx(6.0));

  // Distinct values: the model sums exactly the entries of the network's layers.
  LutTable v = fake_table(space);
  v.save(path);
  const auto model = spaces::make_cost_model("lut", space, {path});
  Rng rng(1, 2);
  for (int n = 0; n < 20; ++n) {
    spaces::Indices idx(space.decisions.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = int(rng.uniform_int(space.decisions[i].size()));
    double expected = 0;
    for (const auto& c : network_configs(spaces::resolve(space, idx))) expected += fake_timing(c).median_ms;
    CHECK(model->cost_of(idx) == doctest::Approx(expected).epsilon(1e-12));
  }
  // Fractional masks: the expectation over every architecture of the space (32 of them),
  // each weighted by the product of its mask entries (spec §4.3: the masks as given).
  for (int n = 0; n < 5; ++n) {
    spaces::Masks masks;
    for (const auto& d : space.decisions) {
      std::vector<float> m(std::size_t(d.size()));
      float sum = 0;
      for (auto& x : m) sum += (x = float(0.1 + rng.uniform()));
      for (auto& x : m) x /= sum;
      masks.push_back(m);
    }
    double expected = 0;
    spaces::Indices idx(space.decisions.size(), 0);
    for (;;) {
      double weight = 1;
      for (std::size_t i = 0; i < idx.size(); ++i) weight *= masks[i][std::size_t(idx[i])];
      for (const auto& c : network_configs(spaces::resolve(space, idx)))
        expected += weight * fake_timing(c).median_ms;
      std::size_t i = 0;
      while (i < idx.size() && ++idx[i] == space.decisions[i].size()) idx[i++] = 0;
      if (i == idx.size()) break;
    }
    // float mask entries: each mask sums to 1 only to float precision
    CHECK(model->cost(masks) == doctest::Approx(expected).epsilon(1e-6));
  }
  t.correction = Correction{2.0, 1.0, "hand"};
  t.save(path);
  CHECK(spaces::make_cost_model("lut", space, {path})->cost_of(zeros) == doctest::Approx(13.0));
}

TEST_CASE("lut cost of the search's warm-up masks (hand value)") {
  const spaces::Space space = tiny_space();
  const std::string path = temp_path("warmup.json");
  LutTable t = fake_table(space);
  // Every entry 1 ms, except: a k5 bottleneck 3 ms, the identity (residual zero) 0 ms.
  for (auto& e : t.entries) {
    e.timing.median_ms = 1.0;
    if (e.config.kind == ConfigKind::bottleneck && e.config.kernel == 5) e.timing.median_ms = 3.0;
    if (e.config.kind == ConfigKind::zero) e.timing.median_ms = 0.0;
  }
  t.save(path);
  register_latency_cost_models();
  const auto model = spaces::make_cost_model("lut", space, {path});
  // Op decisions uniform, filter decisions one-hot at their largest choice (spec §3.1).
  spaces::Masks warm;
  for (const auto& d : space.decisions) {
    std::vector<float> m(std::size_t(d.size()), 0.f);
    if (d.tag == spaces::Tag::op) std::fill(m.begin(), m.end(), 1.f / float(d.size()));
    else m[std::size_t(d.largest_choice)] = 1.f;
    warm.push_back(m);
  }
  // conv 1 + bottleneck k{3,5} (1 + 3)/2 + residual {bottleneck 1, identity 0}/2 + conv 1x1 1
  // + global_avg_pool 1 + classifier 1
  CHECK(model->cost(warm) == doctest::Approx(1 + 2 + 0.5 + 1 + 1 + 1).epsilon(1e-12));
}

TEST_CASE("lut errors: no file, missing configuration, other settings") {
  const spaces::Space space = tiny_space();
  register_latency_cost_models();
  CHECK_THROWS_WITH_AS(spaces::make_cost_model("lut", space, {}), doctest::Contains("--lut"), Error);
  const std::string path = temp_path("missing.json");
  LutTable t = fake_table(space);
  const std::string removed = "bottleneck:i8:o8:k3:s2:e16:se0:relu:r8:res0";
  std::erase_if(t.entries, [&](const LutEntry& e) { return e.config.key() == removed; });
  REQUIRE(t.entries.size() == 18);
  t.save(path);
  const auto model = spaces::make_cost_model("lut", space, {path});
  const spaces::Indices zeros(space.decisions.size(), 0);
  CHECK_THROWS_WITH_AS(model->cost_of(zeros), doctest::Contains(removed.c_str()), Error);
  CHECK_THROWS_WITH_AS(model->cost_of(zeros), doctest::Contains(path.c_str()), Error);
  CHECK_THROWS_WITH_AS(model->cost_of(zeros), doctest::Contains("blocks/1/layers/0"), Error);

  LutTable w = fake_table(space);
  w.settings.width_multiplier = 0.5;
  w.settings.space = "another_space";
  w.save(path);
  CHECK_THROWS_WITH_AS(spaces::make_cost_model("lut", space, {path}), doctest::Contains("width_multiplier"), Error);
  CHECK_THROWS_WITH_AS(spaces::make_cost_model("lut", space, {path}), doctest::Contains("another_space"), Error);
  CHECK_THROWS_WITH_AS(spaces::make_cost_model("lut", space, {temp_path("absent.json")}),
                       doctest::Contains("absent.json"), Error);
}

TEST_CASE("pearson, spearman, mape vs hand values") {
  CHECK(pearson({1, 2, 3}, {2, 4, 6}) == doctest::Approx(1.0));
  CHECK(pearson({1, 2, 3}, {3, 2, 1}) == doctest::Approx(-1.0));
  CHECK(pearson({1, 2, 3, 4}, {1, 3, 2, 4}) == doctest::Approx(0.8));
  CHECK(spearman({1, 2, 3, 4}, {10, 30, 20, 40}) == doctest::Approx(0.8));
  CHECK(spearman({1, 2, 3, 4}, {1, 4, 9, 1000}) == doctest::Approx(1.0));  // monotone
  // ties get average ranks: x ranks 1, 2.5, 2.5, 4 -> 4.5 / sqrt(4.5 * 5)
  CHECK(spearman({1, 2, 2, 3}, {1, 2, 3, 4}) == doctest::Approx(4.5 / std::sqrt(22.5)));
  CHECK(mape_percent({110, 90}, {100, 100}) == doctest::Approx(10.0));
  CHECK(mape_percent({1, 3}, {2, 2}) == doctest::Approx(50.0));
  CHECK_THROWS_AS(pearson({1}, {1}), Error);
  CHECK_THROWS_AS(pearson({1, 2}, {1, 2, 3}), Error);
}

TEST_CASE("correction fit on synthetic data") {
  std::vector<double> x, y;
  for (int i = 0; i < 50; ++i) {
    x.push_back(0.5 + 0.02 * i);
    y.push_back(1.3 * x.back() + 0.2);
  }
  LinearFit f = fit_linear(x, y);
  CHECK(f.scale == doctest::Approx(1.3));
  CHECK(f.offset == doctest::Approx(0.2));
  // symmetric noise (+e, -e on neighbours) leaves the fit close
  for (std::size_t i = 0; i < y.size(); ++i) y[i] += (i % 2 ? 0.01 : -0.01);
  f = fit_linear(x, y);
  CHECK(f.scale == doctest::Approx(1.3).epsilon(0.02));
  CHECK(f.offset == doctest::Approx(0.2).epsilon(0.05));
}

TEST_CASE("runner: one layer and a whole network run and give finite outputs") {
  const spaces::Space space = tiny_space();
  for (const LayerConfig& c : enumerate_layer_configs(space)) {
    InferenceRunner r({c}, 2);
    r.run();
    CAPTURE(c.key());
    const std::int64_t n = std::int64_t(2) * c.out_size * c.out_size * c.out_channels;
    if (c.kind == ConfigKind::zero || c.kind == ConfigKind::detection_endpoint) continue;
    for (std::int64_t i = 0; i < n; ++i) REQUIRE(std::isfinite(r.output()[i]));
  }
  spaces::Indices idx(space.decisions.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = space.decisions[i].size() - 1;  // widest, SE on
  const auto configs = network_configs(spaces::resolve(space, idx));
  InferenceRunner net(configs, 1);
  const Timing t = time_runner(net, 1, 3);
  CHECK(t.repeats == 3);
  CHECK(t.p10_ms <= t.median_ms);
  CHECK(t.median_ms <= t.p90_ms);
  for (int i = 0; i < 5; ++i) CHECK(std::isfinite(net.output()[i]));
  // layers that do not chain are rejected
  CHECK_THROWS_AS(InferenceRunner({configs[0], configs[0]}, 1), Error);
}

TEST_CASE("in-network profiling: every configuration timed inside sampled networks") {
  const spaces::Space space = tiny_space();
  ProfileOptions o;
  o.progress = false;
  o.contexts = 2;
  o.rounds = 2;
  o.warmup = 0;
  o.repeats = 2;
  int isolated_calls = 0;
  o.timer = [&](const LayerConfig& c) {  // the fallback: must not be needed on this space
    ++isolated_calls;
    return fake_timing(c);
  };
  const LutTable t = profile_space(space, o);
  CHECK(isolated_calls == 0);
  CHECK(t.complete());
  CHECK(t.settings.method == "in_network");
  CHECK(t.settings.contexts == 2);
  for (const LutEntry& e : t.entries) {
    CAPTURE(e.config.key());
    CHECK(e.timing.repeats >= o.contexts * o.rounds * o.repeats);  // >= 2 networks x 2 x 2 runs
    CHECK(e.timing.p10_ms <= e.timing.median_ms);
    CHECK(e.timing.median_ms <= e.timing.p90_ms);
  }
  const LutTable r = LutTable::from_json_text(t.to_json(), "memory");
  CHECK(r.settings.method == "in_network");
  CHECK(r.settings.rounds == 2);
  o.contexts = 0;
  CHECK_THROWS_WITH_AS(profile_space(space, o), doctest::Contains("contexts and rounds"), Error);
  o.contexts = 2;
  o.method = "guess";
  CHECK_THROWS_WITH_AS(profile_space(space, o), doctest::Contains("unknown method 'guess'"), Error);
}

TEST_CASE("runner: run_timed computes what run computes, one time per layer") {
  const spaces::Space space = tiny_space();
  spaces::Indices idx(space.decisions.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = int(i % space.decisions[i].size());
  const auto configs = network_configs(spaces::resolve(space, idx));
  InferenceRunner net(configs, 2);
  net.run();
  const int classes = configs.back().out_channels;
  const std::vector<float> plain(net.output(), net.output() + 2 * classes);
  // Every run sees the same input: a second run gives the same output.
  net.run();
  CHECK(std::equal(plain.begin(), plain.end(), net.output()));
  InferenceRunner twin(configs, 2);
  std::vector<double> layer_ms;
  twin.run_timed(layer_ms);
  CHECK(int(layer_ms.size()) == twin.num_layers());
  CHECK(twin.num_layers() == int(configs.size()));
  for (double ms : layer_ms) CHECK(ms >= 0);
  CHECK(std::equal(plain.begin(), plain.end(), twin.output()));
}
