// tunas_profile: latency lookup tables for this machine (paper §E.4, Figure 4).
//
//   tunas_profile [profile] --space S --out FILE [network options] [--batch B] [--threads T]
//                 [--method in_network|isolated] [--contexts C] [--rounds K] [--seed S]
//                 [--warmup W] [--repeats R] [--resume] [--save-every N]
//       times every distinct layer configuration the space can produce (latency/layer_config.h)
//       with the engine's kernels in inference mode and writes the table (atomically, every
//       --save-every entries); --resume keeps the entries of an existing table and continues.
//       in_network (default) times each layer inside sampled whole networks, isolated alone
//       (latency/profile.h says why the first predicts whole networks better).
//   tunas_profile validate --space S --lut FILE [--num N] [--seed K] [--warmup W] [--repeats R]
//                 [--rounds K] [--json OUT] [--svg OUT] [--write-correction]
//       measures N uniformly sampled architectures end to end with the same runner, compares
//       with the table's sum, fits measured ~ scale * sum + offset and reports Pearson,
//       Spearman and MAPE before and after; --write-correction stores the fit in the table.
//   tunas_profile measure --space S --lut FILE --indices "..." [--warmup W] [--repeats R]
//       one architecture: the table's prediction and the measured latency.
// validate and measure build the network the table was profiled for (its settings).
//
// Network options (profile): --resolution R --input-channels N --classes C
//   --width-multiplier M --proxy --proxy-layers N (as tunas_search). Every option: table().
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "core/rng.h"
#include "core/threads.h"
#include "datasets/dataset.h"
#include "latency/lut_cost_model.h"
#include "latency/plot.h"
#include "latency/profile.h"
#include "latency/stats.h"
#include "run/option_blocks.h"
#include "run/option_table.h"
#include "search_spaces/catalog.h"
#include "search_spaces/network.h"

namespace {

using namespace tunas;
using namespace tunas::latency;

// Every option of the three commands (see defaults_for for those whose default differs).
struct ProfileToolOptions {
  std::string space, out, lut, indices, json, svg;
  int resolution = 0, input_channels = 0, classes = 0;  // 0 = the space's
  double width_multiplier = 0;
  bool proxy = false;
  int proxy_layers = 2;
  int batch = 1, threads = 1, warmup = 10, repeats = 30, save_every = 8, contexts = 4, rounds = 3;
  std::string method = "in_network";
  std::uint64_t seed = 0;
  bool resume = false, write_correction = false;
  std::int64_t num = 100;
};

const OptionTable<ProfileToolOptions>& table() {
  using C = ProfileToolOptions;
  static const OptionTable<C> t(
      concat<C>({
          {
              option("space", &C::space, "search space: a name or a YAML path"),
              option("out", &C::out, "the table file to write"),
              option("lut", &C::lut, "a table written by tunas_profile"),
              option("indices", &C::indices, "architecture: i:j:k:... (one per decision)"),
              option("input_channels", &C::input_channels, "input channels (default: the space's)")
                  .at_least(1),
              option("classes", &C::classes, "logits (default: the space's)")
                  .in(1, datasets::kMaxClasses),
          },
          network_options<C>(),
          {
              option("batch", &C::batch, "images per timed run").at_least(1),
              option("threads", &C::threads, "threads (0 = all cores)").at_least(0),
              option("method", &C::method,
                     "in_network: each layer timed inside sampled whole networks of the space; "
                     "isolated: each layer alone")
                  .one_of({"in_network", "isolated"}),
              option("contexts", &C::contexts,
                     "in_network: whole networks each configuration is timed in, at least")
                  .at_least(1),
              option("rounds", &C::rounds, "passes over the configurations / architectures")
                  .at_least(1),
              option("seed", &C::seed, "random seed of the sampled networks"),
              option("warmup", &C::warmup, "untimed runs first (profile 10, validate 3, measure 5)")
                  .at_least(0),
              option("repeats", &C::repeats, "timed runs (profile 30, validate 10, measure 30)")
                  .at_least(1),
              option("resume", &C::resume, "keep the entries of an existing --out and continue"),
              option("save_every", &C::save_every, "entries between atomic writes of the table")
                  .at_least(1),
              option("num", &C::num, "architectures sampled").in(3, 2147483647),
              option("json", &C::json, "write the comparison as JSON to this file"),
              option("svg", &C::svg, "write the scatter plot to this file"),
              option("write_correction", &C::write_correction,
                     "store the fitted scale and offset in the table"),
          },
      }),
      {
          {"profile",
           {"space", "out", "resolution", "input_channels", "classes", "width_multiplier", "proxy",
            "proxy_layers", "batch", "threads", "warmup", "repeats", "resume", "save_every",
            "method", "contexts", "rounds", "seed"},
           {"space", "out"},
           R"(  tunas_profile [profile] --space S --out FILE [network options] [--batch 1] [--threads 1]
                [--method in_network|isolated] [--contexts 4] [--rounds 3] [--seed 0]
                [--warmup 10] [--repeats 30] [--resume] [--save-every 8]
      in_network: each layer timed inside sampled whole networks of the space (each
      configuration in >= --contexts of them, --rounds passes); isolated: each layer alone.
)"},
          {"validate",
           {"space", "lut", "num", "seed", "warmup", "repeats", "rounds", "json", "svg",
            "write_correction"},
           {"space", "lut"},
           R"(  tunas_profile validate --space S --lut FILE [--num 100] [--seed 0] [--warmup 3]
                [--repeats 10] [--rounds 3] [--json OUT] [--svg OUT] [--write-correction]
)"},
          {"measure",
           {"space", "lut", "indices", "warmup", "repeats"},
           {"space", "lut", "indices"},
           R"(  tunas_profile measure --space S --lut FILE --indices "i0:i1:..." [--warmup 5] [--repeats 30]
)"},
      });
  return t;
}

std::string usage() {
  std::string out = "tunas_profile: latency lookup tables for this machine\n\n";
  for (const OptionCommand& c : table().commands()) out += c.usage;
  out += "\noptions (network options: default the space's own network):\n";
  out += option_help_block(table().help_lines());
  out += "\nTimings are medians (and p10/p90) of single runs, batch --batch, --threads threads.\n"
         "Exit status: 0 done, 1 bad input (message on stderr), 2 internal error (a bug).\n";
  return out;
}

ProfileToolOptions defaults_for(const std::string& command) {
  ProfileToolOptions o;
  if (command == "validate") o.warmup = 3, o.repeats = 10;
  if (command == "measure") o.warmup = 5;
  return o;
}

// The space at the network a table was profiled for.
spaces::Space space_for_table(const ProfileToolOptions& a, const LutTable& table) {
  spaces::Space space = spaces::load_space(a.space);
  spaces::NetworkConfig net = space.network;
  net.resolution = table.settings.resolution;
  net.input_channels = table.settings.input_channels;
  net.classes = table.settings.classes;
  net.width_multiplier = table.settings.width_multiplier;
  net.stride_overrides = table.settings.stride_overrides;
  spaces::configure_network(space, net);
  return space;
}

int cmd_profile(const ProfileToolOptions& a) {
  spaces::Space space = spaces::load_space(a.space);
  const spaces::NetworkConfig& net = space.network;
  spaces::configure_data_network(space, a.resolution > 0 ? a.resolution : net.resolution,
                                 a.input_channels > 0 ? a.input_channels : net.input_channels,
                                 a.classes > 0 ? a.classes : net.classes,
                                 a.width_multiplier > 0 ? a.width_multiplier : net.width_multiplier,
                                 a.proxy ? a.proxy_layers : 0);
  ProfileOptions o;
  o.out = a.out;
  o.batch = a.batch;
  o.threads = a.threads;
  o.warmup = a.warmup;
  o.repeats = a.repeats;
  o.save_every = a.save_every;
  o.method = a.method;
  o.contexts = a.contexts;
  o.rounds = a.rounds;
  o.seed = a.seed;
  o.resume = a.resume;
  TUNAS_REQUIRE(o.resume || !file_exists(o.out), o.out,
                " exists; pass --resume to continue it or remove it");
  const LutTable t = profile_space(space, o);
  double lo = 1e300, hi = 0;
  for (const LutEntry& e : t.entries) lo = std::min(lo, e.timing.median_ms), hi = std::max(hi, e.timing.median_ms);
  std::printf("wrote %s: %zu entries (per-layer median %.4f .. %.4f ms) on %s, %s\n", o.out.c_str(),
              t.entries.size(), lo, hi, t.machine.cpu.c_str(), t.machine.isa.c_str());
  return 0;
}

std::vector<double> corrected(const std::vector<double>& x, const LinearFit& f) {
  std::vector<double> y;
  for (double v : x) y.push_back(f.scale * v + f.offset);
  return y;
}

int cmd_validate(const ProfileToolOptions& a) {
  const std::string& lut = a.lut;
  LutTable table = LutTable::load(lut);
  const spaces::Space space = space_for_table(a, table);
  const LutCostModel model(space, table, lut);
  const long long num = a.num;
  const std::uint64_t seed = a.seed;
  const int warmup = a.warmup, repeats = a.repeats, rounds = a.rounds;
  const int previous_threads = num_threads();
  set_num_threads(table.settings.threads);

  // Same uniform sampling as tunas_arch sample.
  Rng rng(seed, stream_id("tunas_arch/sample"));
  std::vector<spaces::Indices> archs;
  std::vector<double> predicted;
  std::vector<std::unique_ptr<InferenceRunner>> runners;
  while (static_cast<long long>(archs.size()) < num) {
    const spaces::Indices idx = spaces::uniform_indices(space, rng);
    spaces::Network net;
    try {
      net = spaces::resolve(space, idx);
    } catch (const Error&) {
      continue;
    }
    predicted.push_back(model.raw_sum(net));
    runners.push_back(std::make_unique<InferenceRunner>(network_configs(net), table.settings.batch));
    archs.push_back(idx);
  }
  // Rounds interleave the architectures, so a burst of load from other processes hits every
  // architecture a little rather than a few of them a lot; the median pools all rounds.
  std::vector<std::vector<double>> samples(archs.size());
  using Clock = std::chrono::steady_clock;
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t i = 0; i < archs.size(); ++i) {
      for (int w = 0; w < warmup; ++w) runners[i]->run();
      for (int k = 0; k < repeats; ++k) {
        const auto t0 = Clock::now();
        runners[i]->run();
        samples[i].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    }
    std::fprintf(stderr, "tunas_profile validate: round %d/%d done\n", r + 1, rounds);
  }
  set_num_threads(previous_threads);
  std::vector<double> measured;
  std::vector<Timing> timings;
  for (auto& s : samples) {
    timings.push_back(summarize(s));
    measured.push_back(timings.back().median_ms);
  }
  const LinearFit fit = fit_linear(predicted, measured);
  const std::vector<double> pred_fit = corrected(predicted, fit);
  // Two-fold cross-validation of the correction: fit on even, test on odd, and vice versa.
  std::vector<double> cv_pred(predicted.size());
  for (int fold = 0; fold < 2; ++fold) {
    std::vector<double> x, y;
    for (std::size_t i = 0; i < predicted.size(); ++i)
      if (int(i % 2) != fold) x.push_back(predicted[i]), y.push_back(measured[i]);
    const LinearFit f = fit_linear(x, y);
    for (std::size_t i = 0; i < predicted.size(); ++i)
      if (int(i % 2) == fold) cv_pred[i] = f.scale * predicted[i] + f.offset;
  }
  const double p = pearson(predicted, measured), s = spearman(predicted, measured);
  const double m_raw = mape_percent(predicted, measured), m_fit = mape_percent(pred_fit, measured),
               m_cv = mape_percent(cv_pred, measured);
  double lo = 1e300, hi = 0;
  for (const LutEntry& e : table.entries) lo = std::min(lo, e.timing.median_ms), hi = std::max(hi, e.timing.median_ms);

  Json j = Json::object();
  j["n"] = static_cast<long long>(archs.size());
  j["pearson"] = p;
  j["spearman"] = s;
  j["mape_percent"] = m_raw;
  j["mape_percent_note"] = "raw sum of per-layer medians vs measured end-to-end medians";
  Json& c = j["correction"];
  c["model"] = "measured = scale * sum + offset_ms (least squares, Eigen QR)";
  c["scale"] = fit.scale;
  c["offset_ms"] = fit.offset;
  c["mape_percent_in_sample"] = m_fit;
  c["mape_percent_2fold_cv"] = m_cv;
  Json& mj = j["machine"];
  mj["cpu"] = table.machine.cpu;
  mj["cores"] = table.machine.cores;
  mj["isa"] = table.machine.isa;
  Json& st = j["settings"];
  st["space"] = table.settings.space;
  st["resolution"] = table.settings.resolution;
  st["input_channels"] = table.settings.input_channels;
  st["classes"] = table.settings.classes;
  st["width_multiplier"] = table.settings.width_multiplier;
  st["stride_overrides"] = Json::object();
  for (const auto& [k, v] : table.settings.stride_overrides) st["stride_overrides"][k] = v;
  st["batch"] = table.settings.batch;
  st["threads"] = table.settings.threads;
  st["table"] = lut;
  st["table_entries"] = static_cast<long long>(table.entries.size());
  st["seed"] = static_cast<long long>(seed);
  st["timing"] = str_cat(rounds, " rounds x (", warmup, " warm-up + ", repeats,
                         " timed runs) per architecture, median of all timed runs");
  j["measured_range_ms"] = Json::array({*std::min_element(measured.begin(), measured.end()),
                                      *std::max_element(measured.begin(), measured.end())});
  j["layer_range_ms"] = Json::array({lo, hi});
  Json& rows = j["architectures"];
  rows = Json::array();
  for (std::size_t i = 0; i < archs.size(); ++i) {
    Json r = Json::object();
    r["indices"] = spaces::format_indices(archs[i]);
    r["predicted_sum_ms"] = predicted[i];
    r["predicted_corrected_ms"] = pred_fit[i];
    r["measured_median_ms"] = timings[i].median_ms;
    r["measured_p10_ms"] = timings[i].p10_ms;
    r["measured_p90_ms"] = timings[i].p90_ms;
    rows.push_back(std::move(r));
  }
  if (!a.json.empty()) write_file_atomic(a.json, json_text(j, 1, a.json) + "\n");
  if (!a.svg.empty()) {
    char title[200];
    std::snprintf(title, sizeof title,
                  "%s: n=%zu, Spearman %.3f, Pearson %.3f, MAPE %.1f%% (raw) / %.1f%% (fit, 2-fold CV)",
                  table.settings.space.c_str(), archs.size(), s, p, m_raw, m_cv);
    write_file_atomic(a.svg,
                      scatter_svg(title, "predicted latency (ms)", "measured latency (ms)",
                                  {{"sum of per-layer table entries", "#d62728", predicted, measured},
                                   {"with fitted scale + offset", "#1f77b4", pred_fit, measured}}));
  }
  if (a.write_correction) {
    table.correction = Correction{fit.scale, fit.offset,
                                  str_cat("tunas_profile validate: n=", archs.size(), ", seed ", seed,
                                          ", in-sample MAPE ", m_fit, "%")};
    table.save(lut);
  }
  std::printf("n %zu  pearson %.4f  spearman %.4f  MAPE raw %.2f%%  fit: scale %.4f offset %.4f ms, "
              "MAPE %.2f%% in-sample, %.2f%% 2-fold CV\n",
              archs.size(), p, s, m_raw, fit.scale, fit.offset, m_fit, m_cv);
  return 0;
}

int cmd_measure(const ProfileToolOptions& a) {
  const std::string& lut = a.lut;
  const LutTable table = LutTable::load(lut);
  const spaces::Space space = space_for_table(a, table);
  const LutCostModel model(space, table, lut);
  const spaces::Indices idx = spaces::parse_indices(space, a.indices);
  const spaces::Network net = spaces::resolve(space, idx);
  const int previous_threads = num_threads();
  set_num_threads(table.settings.threads);
  const Timing t = measure_network(space, idx, table.settings.batch, a.warmup, a.repeats);
  set_num_threads(previous_threads);
  const double raw = model.raw_sum(net);
  std::printf("{\"predicted_sum_ms\": %.6g, \"predicted_ms\": %.6g, \"measured_median_ms\": %.6g, "
              "\"measured_p10_ms\": %.6g, \"measured_p90_ms\": %.6g}\n",
              raw, model.corrected(raw), t.median_ms, t.p10_ms, t.p90_ms);
  return 0;
}

int body(int argc, char** argv) {
  ProfileToolOptions a = defaults_for(table().command_of(argc, argv, "profile"));
  const std::string command = table().parse_command(a, argc, argv, usage(), "profile");
  if (command.empty()) return 0;  // --help
  register_latency_cost_models();
  if (command == "validate") return cmd_validate(a);
  if (command == "measure") return cmd_measure(a);
  return cmd_profile(a);
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("tunas_profile", &body, argc, argv); }
