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
//   --width-multiplier M --proxy N (the first N stride-2 layers at stride 1, as tunas_search --proxy-layers)
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
#include "latency/lut_cost_model.h"
#include "latency/plot.h"
#include "latency/profile.h"
#include "latency/stats.h"
#include "search_spaces/catalog.h"
#include "search_spaces/network.h"

namespace {

using namespace tunas;
using namespace tunas::latency;

const char* kUsage = R"(tunas_profile: latency lookup tables for this machine

  tunas_profile [profile] --space S --out FILE [--resolution R] [--input-channels N]
                [--classes C] [--width-multiplier M] [--proxy N] [--batch 1] [--threads 1]
                [--method in_network|isolated] [--contexts 4] [--rounds 3] [--seed 0]
                [--warmup 10] [--repeats 30] [--resume] [--save-every 8]
      in_network: each layer timed inside sampled whole networks of the space (each
      configuration in >= --contexts of them, --rounds passes); isolated: each layer alone.
  tunas_profile validate --space S --lut FILE [--num 100] [--seed 0] [--warmup 3]
                [--repeats 10] [--rounds 3] [--json OUT] [--svg OUT] [--write-correction]
  tunas_profile measure --space S --lut FILE --indices "i0 i1 ..." [--warmup 5] [--repeats 30]

Timings are medians (and p10/p90) of single runs, batch --batch, --threads threads.
)";

struct Args {
  std::string command = "profile";
  std::map<std::string, std::string> opts;
  bool flag(const std::string& k) const { return opts.count(k) > 0; }
  std::string get(const std::string& k, const std::string& d = "") const {
    auto it = opts.find(k);
    return it == opts.end() ? d : it->second;
  }
  std::string required(const std::string& k) const {
    TUNAS_REQUIRE(opts.count(k), "--", k, " is required for '", command, "'");
    return opts.at(k);
  }
  // Every caller narrows to int: the range check comes before that (no wrap).
  long long integer(const std::string& k, long long d, long long min,
                    long long max = std::numeric_limits<int>::max()) const {
    if (!opts.count(k)) return d;
    std::size_t end = 0;
    long long v = 0;
    try {
      v = std::stoll(opts.at(k), &end);
    } catch (...) {
      end = 0;
    }
    TUNAS_REQUIRE(end == opts.at(k).size() && end > 0, "--", k, " must be an integer, got '", opts.at(k), "'");
    TUNAS_REQUIRE(v >= min && v <= max, "--", k, " must be in [", min, ", ", max, "], got ", v);
    return v;
  }
  double number(const std::string& k, double d) const {
    if (!opts.count(k)) return d;
    std::size_t end = 0;
    double v = 0;
    try {
      v = std::stod(opts.at(k), &end);
    } catch (...) {
      end = 0;
    }
    TUNAS_REQUIRE(end == opts.at(k).size() && end > 0 && std::isfinite(v), "--", k,
                  " must be a number, got '", opts.at(k), "'");
    return v;
  }
};

Args parse(int argc, char** argv) {
  static const std::map<std::string, std::vector<std::string>> valid = {
      {"profile", {"space", "out", "resolution", "input-channels", "classes", "width-multiplier",
                   "proxy", "batch", "threads", "warmup", "repeats", "resume", "save-every",
                   "method", "contexts", "rounds", "seed"}},
      {"validate", {"space", "lut", "num", "seed", "warmup", "repeats", "rounds", "json", "svg",
                    "write-correction"}},
      {"measure", {"space", "lut", "indices", "warmup", "repeats"}},
  };
  static const std::vector<std::string> flags = {"resume", "write-correction"};
  Args a;
  int i = 1;
  if (argc > 1 && std::string(argv[1]).rfind("--", 0) != 0) a.command = argv[i++];
  TUNAS_REQUIRE(valid.count(a.command), "unknown command '", a.command,
                "' (valid: profile, validate, measure; see --help)");
  for (; i < argc; ++i) {
    std::string key = argv[i];
    TUNAS_REQUIRE(key.rfind("--", 0) == 0, "unexpected argument '", key, "'");
    key = key.substr(2);
    const auto& ok = valid.at(a.command);
    TUNAS_REQUIRE(std::find(ok.begin(), ok.end(), key) != ok.end(), "unknown option --", key,
                  " for '", a.command, "' (see --help)");
    if (std::find(flags.begin(), flags.end(), key) != flags.end()) {
      a.opts[key] = "1";
    } else {
      TUNAS_REQUIRE(i + 1 < argc, "option --", key, " needs a value");
      a.opts[key] = argv[++i];
    }
  }
  return a;
}

// The space at the network a table was profiled for.
spaces::Space space_for_table(const Args& a, const LutTable& table) {
  spaces::Space space = spaces::load_space(a.required("space"));
  spaces::NetworkConfig net = space.network;
  net.resolution = table.settings.resolution;
  net.input_channels = table.settings.input_channels;
  net.classes = table.settings.classes;
  net.width_multiplier = table.settings.width_multiplier;
  net.stride_overrides = table.settings.stride_overrides;
  spaces::configure_network(space, net);
  return space;
}

int cmd_profile(const Args& a) {
  spaces::Space space = spaces::load_space(a.required("space"));
  const spaces::NetworkConfig& net = space.network;
  spaces::configure_data_network(space, static_cast<int>(a.integer("resolution", net.resolution, 1, 4096)),
                                 static_cast<int>(a.integer("input-channels", net.input_channels, 1)),
                                 static_cast<int>(a.integer("classes", net.classes, 1)),
                                 a.number("width-multiplier", net.width_multiplier),
                                 static_cast<int>(a.integer("proxy", 0, 0)));
  ProfileOptions o;
  o.out = a.required("out");
  o.batch = static_cast<int>(a.integer("batch", 1, 1));
  o.threads = static_cast<int>(a.integer("threads", 1, 0));
  o.warmup = static_cast<int>(a.integer("warmup", 10, 0));
  o.repeats = static_cast<int>(a.integer("repeats", 30, 1));
  o.save_every = static_cast<int>(a.integer("save-every", 8, 1));
  o.method = a.get("method", "in_network");
  o.contexts = static_cast<int>(a.integer("contexts", 4, 1));
  o.rounds = static_cast<int>(a.integer("rounds", 3, 1));
  o.seed = static_cast<std::uint64_t>(a.integer("seed", 0, 0));
  o.resume = a.flag("resume");
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

int cmd_validate(const Args& a) {
  const std::string lut = a.required("lut");
  LutTable table = LutTable::load(lut);
  const spaces::Space space = space_for_table(a, table);
  const LutCostModel model(space, table, lut);
  const long long num = a.integer("num", 100, 3);
  const auto seed = static_cast<std::uint64_t>(a.integer("seed", 0, 0));
  const int warmup = static_cast<int>(a.integer("warmup", 3, 0));
  const int repeats = static_cast<int>(a.integer("repeats", 10, 1));
  const int rounds = static_cast<int>(a.integer("rounds", 3, 1));
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
  if (a.flag("json")) {
    const std::string path = a.get("json");
    write_file_atomic(path, j.dump(1) + "\n");
  }
  if (a.flag("svg")) {
    char title[200];
    std::snprintf(title, sizeof title,
                  "%s: n=%zu, Spearman %.3f, Pearson %.3f, MAPE %.1f%% (raw) / %.1f%% (fit, 2-fold CV)",
                  table.settings.space.c_str(), archs.size(), s, p, m_raw, m_cv);
    write_file_atomic(a.get("svg"),
                      scatter_svg(title, "predicted latency (ms)", "measured latency (ms)",
                                  {{"sum of per-layer table entries", "#d62728", predicted, measured},
                                   {"with fitted scale + offset", "#1f77b4", pred_fit, measured}}));
  }
  if (a.flag("write-correction")) {
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

int cmd_measure(const Args& a) {
  const std::string lut = a.required("lut");
  const LutTable table = LutTable::load(lut);
  const spaces::Space space = space_for_table(a, table);
  const LutCostModel model(space, table, lut);
  const spaces::Indices idx = spaces::parse_indices(space, a.required("indices"));
  const spaces::Network net = spaces::resolve(space, idx);
  const int previous_threads = num_threads();
  set_num_threads(table.settings.threads);
  const Timing t = measure_network(space, idx, table.settings.batch,
                                   static_cast<int>(a.integer("warmup", 5, 0)),
                                   static_cast<int>(a.integer("repeats", 30, 1)));
  set_num_threads(previous_threads);
  const double raw = model.raw_sum(net);
  std::printf("{\"predicted_sum_ms\": %.6g, \"predicted_ms\": %.6g, \"measured_median_ms\": %.6g, "
              "\"measured_p10_ms\": %.6g, \"measured_p90_ms\": %.6g}\n",
              raw, model.corrected(raw), t.median_ms, t.p10_ms, t.p90_ms);
  return 0;
}

int body(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "--help" || s == "-h" || s == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  register_latency_cost_models();
  const Args a = parse(argc, argv);
  if (a.command == "validate") return cmd_validate(a);
  if (a.command == "measure") return cmd_measure(a);
  return cmd_profile(a);
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("tunas_profile", &body, argc, argv); }
