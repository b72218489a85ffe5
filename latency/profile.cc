#include "latency/profile.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "core/error.h"
#include "core/files.h"
#include "core/rng.h"
#include "core/threads.h"
#include "search_spaces/network.h"

namespace tunas::latency {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Uniformly sampled networks of the space, kept while they add a configuration of `need`
// that has fewer than its count of appearances; stops when every count is met or after
// `max_samples` samples. `need` ends holding what is still missing.
std::vector<std::vector<LayerConfig>> context_networks(const spaces::Space& space,
                                                       std::map<std::string, int>& need,
                                                       std::uint64_t seed, int max_samples) {
  Rng rng(seed, stream_id("tunas_profile/contexts"));
  int missing = 0;
  for (const auto& kv : need) missing += kv.second;
  std::vector<std::vector<LayerConfig>> networks;
  for (int sample = 0; sample < max_samples && missing > 0; ++sample) {
    const spaces::Indices idx = spaces::uniform_indices(space, rng);
    spaces::Network net;
    try {
      net = spaces::resolve(space, idx);
    } catch (const Error&) {
      continue;  // not an architecture of the space (resolve says why)
    }
    std::vector<LayerConfig> layers = network_configs(net);
    std::set<std::string> wanted;  // the still-needed configurations it holds (once each)
    for (const LayerConfig& c : layers)
      if (auto it = need.find(c.key()); it != need.end() && it->second > 0) wanted.insert(c.key());
    if (wanted.empty()) continue;
    for (const std::string& key : wanted) --need[key];
    missing -= static_cast<int>(wanted.size());
    networks.push_back(std::move(layers));
  }
  return networks;
}

// Per-layer samples of every configuration of `todo` inside context networks.
std::map<std::string, std::vector<double>> time_in_networks(const spaces::Space& space,
                                                           const std::vector<LayerConfig>& todo,
                                                           const ProfileOptions& o) {
  std::map<std::string, int> need;
  for (const LayerConfig& c : todo) need[c.key()] = o.contexts;
  const auto networks = context_networks(space, need, o.seed, 200000);
  std::vector<std::unique_ptr<InferenceRunner>> runners;
  for (const auto& layers : networks)
    runners.push_back(std::make_unique<InferenceRunner>(layers, o.batch));
  if (o.progress)
    std::fprintf(stderr, "tunas_profile: %zu networks hold the %zu configurations (>= %d each where "
                 "possible); %d rounds x (%d warm-up + %d timed runs) each\n", runners.size(),
                 todo.size(), o.contexts, o.rounds, o.warmup, o.repeats);
  std::map<std::string, std::vector<double>> samples;
  for (const LayerConfig& c : todo) samples[c.key()];
  std::vector<double> layer_ms;
  const auto start = Clock::now();
  // Rounds interleave the networks, so a burst of load from other processes hits every
  // configuration a little rather than a few of them a lot.
  for (int r = 0; r < o.rounds; ++r) {
    for (std::size_t n = 0; n < runners.size(); ++n) {
      InferenceRunner& runner = *runners[n];
      for (int w = 0; w < o.warmup; ++w) runner.run();
      for (int k = 0; k < o.repeats; ++k) {
        runner.run_timed(layer_ms);
        for (std::size_t i = 0; i < layer_ms.size(); ++i) {
          auto it = samples.find(networks[n][i].key());
          if (it != samples.end()) it->second.push_back(layer_ms[i]);
        }
      }
    }
    if (o.progress) {
      const double elapsed = seconds_since(start);
      std::fprintf(stderr, "tunas_profile: round %d/%d done  ETA %.0fs\n", r + 1, o.rounds,
                   elapsed / (r + 1) * (o.rounds - r - 1));
    }
  }
  return samples;
}

}  // namespace

LutTable profile_space(const spaces::Space& space, const ProfileOptions& o) {
  TUNAS_REQUIRE(o.batch >= 1 && o.repeats >= 1 && o.warmup >= 0 && o.threads >= 0,
                "profile: batch and repeats must be >= 1, warmup and threads >= 0");
  TUNAS_REQUIRE(o.method == "in_network" || o.method == "isolated",
                "profile: unknown method '", o.method, "' (in_network or isolated)");
  TUNAS_REQUIRE(o.method == "isolated" || (o.contexts >= 1 && o.rounds >= 1),
                "profile: contexts and rounds must be >= 1");
  LutTable table;
  table.machine = Machine::here();
  table.settings = LutSettings::of(space);
  table.settings.batch = o.batch;
  table.settings.threads = o.threads;
  table.settings.warmup = o.warmup;
  table.settings.repeats = o.repeats;
  table.settings.method = o.method;
  table.settings.contexts = o.method == "in_network" ? o.contexts : 0;
  table.settings.rounds = o.method == "in_network" ? o.rounds : 0;
  if (o.resume && !o.out.empty() && file_exists(o.out)) {
    LutTable old = LutTable::load(o.out);
    const std::string mismatch = old.settings.network_mismatch(table.settings);
    TUNAS_REQUIRE(mismatch.empty(), "--resume: ", o.out, " was profiled with other settings (",
                  mismatch, ")");
    TUNAS_REQUIRE(old.settings.batch == o.batch && old.settings.threads == o.threads &&
                      old.settings.method == o.method,
                  "--resume: ", o.out, " was profiled at batch ", old.settings.batch, ", threads ",
                  old.settings.threads, ", method ", old.settings.method, "; now batch ", o.batch,
                  ", threads ", o.threads, ", method ", o.method);
    table.entries = std::move(old.entries);
  }
  const std::vector<LayerConfig> configs = enumerate_layer_configs(space);
  table.num_configs = static_cast<int>(configs.size());
  std::set<std::string> done;
  for (const LutEntry& e : table.entries) done.insert(e.config.key());
  std::vector<LayerConfig> todo;
  for (const LayerConfig& c : configs)
    if (!done.count(c.key())) todo.push_back(c);
  if (o.progress)
    std::fprintf(stderr, "tunas_profile: %s: %d configurations, %zu already in the table, %zu to time (%s)\n",
                 space.name.c_str(), table.num_configs, configs.size() - todo.size(), todo.size(),
                 o.method.c_str());

  const int previous_threads = num_threads();
  if (o.threads > 0) set_num_threads(o.threads);
  auto isolated = o.timer ? o.timer : [&](const LayerConfig& c) {
    InferenceRunner runner({c}, o.batch);
    return time_runner(runner, o.warmup, o.repeats);
  };
  std::map<std::string, std::vector<double>> in_network;
  if (o.method == "in_network" && !todo.empty()) in_network = time_in_networks(space, todo, o);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const std::vector<double>* samples = nullptr;
    if (auto it = in_network.find(todo[i].key()); it != in_network.end() && !it->second.empty())
      samples = &it->second;
    if (o.method == "in_network" && !samples && o.progress)
      std::fprintf(stderr, "tunas_profile: %s is in no sampled network; timed alone\n",
                   todo[i].key().c_str());
    LutEntry e{todo[i], samples ? summarize(*samples) : isolated(todo[i])};
    table.entries.push_back(e);
    if (o.progress && (o.method == "isolated" || !samples)) {
      const double eta = seconds_since(start) / double(i + 1) * double(todo.size() - i - 1);
      std::fprintf(stderr, "[%zu/%zu] %-60s median %.4f ms (p10 %.4f, p90 %.4f)  ETA %.0fs\n", i + 1,
                   todo.size(), e.config.key().c_str(), e.timing.median_ms, e.timing.p10_ms,
                   e.timing.p90_ms, eta);
    }
    if (!o.out.empty() && o.save_every > 0 && (i + 1) % std::size_t(o.save_every) == 0)
      table.save(o.out);
  }
  if (o.threads > 0) set_num_threads(previous_threads);
  if (!o.out.empty()) table.save(o.out);
  return table;
}

Timing measure_network(const spaces::Space& space, const spaces::Indices& indices, int batch,
                       int warmup, int repeats) {
  InferenceRunner runner(network_configs(spaces::resolve(space, indices)), batch);
  return time_runner(runner, warmup, repeats);
}

}  // namespace tunas::latency
