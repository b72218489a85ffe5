#include "latency/profile.h"

#include <chrono>
#include <cstdio>
#include <set>

#include "core/error.h"
#include "core/files.h"
#include "core/threads.h"
#include "search_spaces/network.h"

namespace tunas::latency {

LutTable profile_space(const spaces::Space& space, const ProfileOptions& o) {
  TUNAS_REQUIRE(o.batch >= 1 && o.repeats >= 1 && o.warmup >= 0 && o.threads >= 0,
                "profile: batch and repeats must be >= 1, warmup and threads >= 0");
  LutTable table;
  table.machine = Machine::here();
  table.settings = LutSettings::of(space);
  table.settings.batch = o.batch;
  table.settings.threads = o.threads;
  table.settings.warmup = o.warmup;
  table.settings.repeats = o.repeats;
  if (o.resume && !o.out.empty() && file_exists(o.out)) {
    LutTable old = LutTable::load(o.out);
    const std::string mismatch = old.settings.network_mismatch(table.settings);
    TUNAS_REQUIRE(mismatch.empty(), "--resume: ", o.out, " was profiled with other settings (",
                  mismatch, ")");
    TUNAS_REQUIRE(old.settings.batch == o.batch && old.settings.threads == o.threads,
                  "--resume: ", o.out, " was profiled at batch ", old.settings.batch, ", threads ",
                  old.settings.threads, "; now batch ", o.batch, ", threads ", o.threads);
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
    std::fprintf(stderr, "tunas_profile: %s: %d configurations, %zu already in the table, %zu to time\n",
                 space.name.c_str(), table.num_configs, configs.size() - todo.size(), todo.size());

  const int previous_threads = num_threads();
  if (o.threads > 0) set_num_threads(o.threads);
  auto timer = o.timer ? o.timer : [&](const LayerConfig& c) {
    InferenceRunner runner({c}, o.batch);
    return time_runner(runner, o.warmup, o.repeats);
  };
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < todo.size(); ++i) {
    LutEntry e{todo[i], timer(todo[i])};
    table.entries.push_back(e);
    if (o.progress) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const double eta = elapsed / double(i + 1) * double(todo.size() - i - 1);
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
