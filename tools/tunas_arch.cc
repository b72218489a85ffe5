// tunas_arch: inspect search spaces and architectures (info, cost, show), sample random
// architectures in a cost window (the random-search baseline, spec §7.4) and export the final
// architecture (and its supernet weights) of a search run directory.
//
// Output goes to stdout only after the whole command succeeded; errors go to stderr with
// exit code 1 (tunas::Error) or 2 (anything else), see core/error.h.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "search_spaces/catalog.h"
#include "search_spaces/cost_model.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "search_spaces/pixel1_cost_model.h"
#ifdef TUNAS_HAVE_SEARCH
#include <yaml-cpp/yaml.h>

#include "core/files.h"
#include "onnx_export/weights_export.h"
#include "run/run_files.h"
#include "search/search_config.h"
#include "search/search_run.h"
#endif
#ifdef TUNAS_HAVE_LATENCY
#include "latency/layer_config.h"
#include "latency/lut_cost_model.h"
#endif

namespace {

using namespace tunas;
using namespace tunas::spaces;

const char* const kUsage = R"(usage: tunas_arch <command> [options]

commands:
  info    --space S                 decisions (position, tag, choice count, path, choices),
                                    tag counts and cardinality
  cost    --space S --indices I     one JSON object: latency_ms (tunas_pixel1; null when the
          [--cost-model NAME]       space has no Pixel-1 weights), macs, params, resolution,
                                    classes, and cost/cost_model when --cost-model is given
  show    --space S --indices I     the resolved layer table
  sample  --space S [--num N] [--min-cost A] [--max-cost B] [--seed K]
          [--cost-model NAME] [--max-attempts M]
                                    uniform samples of every decision, kept when
                                    A <= cost <= B; progress on stderr, a JSON list of
                                    {"indices", "cost"} on stdout. Defaults: N=1, A=83,
                                    B=85, K=0, NAME=tunas_pixel1, M=10000000.
  export  --run DIR [--weights FILE] [--onnx FILE]
                                    rewrites DIR/final_architecture.json from the run's
                                    latest checkpoint (finished or not: the arg-max of the
                                    policy there) and prints it; with --weights, also writes
                                    the supernet weights of that architecture's path (for
                                    tunas_train --init-weights FILE); with --onnx, that path
                                    as an ONNX model (weights in DIR/final_weights.bin unless
                                    --weights; BN statistics calibrated on training images)
  onnx    --space S --indices I --weights FILE --out FILE.onnx
          [--data NAME] [--data-dir DIR] [--synthetic-size N] [--resolution R]
          [--width-multiplier M] [--proxy N] [--calibration-batches B]
                                    the architecture with the weights of FILE (tunas_train's
                                    weights.bin, or export --weights) as an ONNX model that
                                    takes the data set's raw images (defaults: fashion_mnist,
                                    R=32, M=1, N=2 as tunas_train); BN moving statistics from
                                    FILE, or calibrated on B (20) training batches

network options (info, cost, show, sample; they never change the decisions, and the
Pixel-1 latency is always that of the original 224x224 network):
  --resolution R  --classes C  --input-channels N  --width-multiplier M
  --proxy N       the first N stride-2 layers at stride 1 (as tunas_search --proxy-layers N)
  --lut FILE      latency table for --cost-model lut (cost, sample; written by tunas_profile)

S is a space name (a file <data root>/search_spaces/S.yaml; the data root is
$TUNAS_DATA_DIR or the source checkout) or a path to a YAML file. I is a colon-separated
index list "i:j:k:..." with one entry per decision (empty for fixed architectures).
Cost models: tunas_pixel1 (ms), macs, params, lut (ms, needs --lut).

Exit status: 0 done, 1 bad input (message on stderr), 2 internal error (a bug).
)";

struct Args {
  std::string command;
  std::map<std::string, std::string> options;

  bool has(const std::string& key) const { return options.count(key) > 0; }
  std::string get(const std::string& key, const std::string& fallback) const {
    auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
  }
  std::string required(const std::string& key) const {
    TUNAS_REQUIRE(has(key), "command '", command, "' needs --", key, " (see --help)");
    return options.at(key);
  }
  long long integer(const std::string& key, long long fallback, long long min_value,
                    long long max_value) const {
    if (!has(key)) return fallback;
    const std::string& text = options.at(key);
    long long v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    const bool whole = end == text.data() + text.size();
    TUNAS_REQUIRE((ec == std::errc() || ec == std::errc::result_out_of_range) && whole, "--", key,
                  " must be an integer, got '", text, "'");
    TUNAS_REQUIRE(ec == std::errc() && v >= min_value && v <= max_value, "--", key,
                  " must be in [", min_value, ", ", max_value, "], got ", text);
    return v;
  }
  double number(const std::string& key, double fallback) const {
    if (!has(key)) return fallback;
    const std::string& text = options.at(key);
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    TUNAS_REQUIRE(ec == std::errc() && end == text.data() + text.size() && std::isfinite(v), "--",
                  key, " must be a number, got '", text, "'");
    return v;
  }
};

const std::map<std::string, std::vector<std::string>>& command_options() {
  static const std::vector<std::string> net = {"space", "resolution", "classes", "input-channels",
                                               "width-multiplier", "proxy"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), net.begin(), net.end());
    return extra;
  };
  static const std::map<std::string, std::vector<std::string>> table = {
      {"info", with({})},
      {"cost", with({"indices", "cost-model", "lut"})},
      {"show", with({"indices"})},
      {"sample", with({"num", "min-cost", "max-cost", "seed", "cost-model", "max-attempts", "lut"})},
      {"export", {"run", "weights", "onnx"}},
      {"onnx", {"space", "indices", "weights", "out", "data", "data-dir", "synthetic-size",
                "resolution", "width-multiplier", "proxy", "calibration-batches"}},
  };
  return table;
}

Args parse_args(int argc, char** argv) {
  Args args;
  TUNAS_REQUIRE(argc >= 2, "missing command (info, cost, show, sample, export, onnx); see --help");
  args.command = argv[1];
  const auto& table = command_options();
  auto it = table.find(args.command);
  TUNAS_REQUIRE(it != table.end(), "unknown command '", args.command,
                "' (valid: info, cost, show, sample, export, onnx; see --help)");
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    TUNAS_REQUIRE(arg.rfind("--", 0) == 0, "unexpected argument '", arg, "' (options look like --name value)");
    std::string key = arg.substr(2), value;
    const std::size_t eq = key.find('=');
    if (eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else {
      TUNAS_REQUIRE(i + 1 < argc, "option --", key, " needs a value");
      value = argv[++i];
    }
    bool known = false;
    std::string valid;
    for (const std::string& k : it->second) {
      known = known || k == key;
      valid += (valid.empty() ? "--" : ", --") + k;
    }
    TUNAS_REQUIRE(known, "unknown option --", key, " for '", args.command, "' (valid: ", valid, ")");
    TUNAS_REQUIRE(args.options.emplace(key, value).second, "option --", key, " given twice");
  }
  return args;
}

Space load(const Args& args) {
  Space space = load_space(args.required("space"));
  const NetworkConfig& net = space.network;
  configure_data_network(space, static_cast<int>(args.integer("resolution", net.resolution, 1, 4096)),
                         static_cast<int>(args.integer("input-channels", net.input_channels, 1, 64)),
                         static_cast<int>(args.integer("classes", net.classes, 1, 1000000)),
                         args.number("width-multiplier", net.width_multiplier),
                         static_cast<int>(args.integer("proxy", 0, 0, 8)));
  return space;
}

// Shortest text that reads back as the same double.
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string cardinality_text(double log10_size) {
  const double exponent = std::floor(log10_size);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2fe%+03d", std::pow(10.0, log10_size - exponent),
                static_cast<int>(exponent));
  return buf;
}

int cmd_info(const Args& args) {
  const Space space = load(args);
  int multi = 0;
  for (const Decision& d : space.decisions) multi += d.size() > 1;
  std::string out;
  out += str_cat("space: ", space.name, "\nsource: ", space.source, "\n");
  if (!space.description.empty()) out += str_cat("description: ", space.description, "\n");
  out += str_cat("decisions: ", space.num_decisions(), " (op ", space.count_tag(Tag::op),
                 ", filters ", space.count_tag(Tag::filters), "; ", multi,
                 " with more than one choice)\n");
  out += str_cat("cardinality (product of choice counts): ", cardinality_text(space.log10_cardinality()),
                 "\n");
  out += str_cat("pixel1 features: ",
                 pixel1_features(space, one_hot_masks(space, Indices(space.decisions.size(), 0))).size(),
                 space.pixel1_weights.empty() ? " (no Pixel-1 weights)" : " (weights of " + space.pixel1_weights + ")",
                 "\n");
  out += str_cat("network: resolution ", space.network.resolution, ", input channels ",
                 space.network.input_channels, ", classes ", space.network.classes,
                 ", width multiplier ", space.network.width_multiplier, "\n");
  if (space.target_latency_ms > 0) out += str_cat("target latency: ", space.target_latency_ms, " ms\n");
  out += str_cat("weight decay: ", space.weight_decay, "\n\n");
  char line[96];
  std::snprintf(line, sizeof line, "%4s  %-7s  %3s  %-62s  %s\n", "pos", "tag", "n", "path", "choices");
  out += line;
  for (int i = 0; i < space.num_decisions(); ++i) {
    const Decision& d = space.decisions[static_cast<std::size_t>(i)];
    std::string choices;
    for (const Choice& c : d.choices) choices += (choices.empty() ? "" : ", ") + c.label;
    std::snprintf(line, sizeof line, "%4d  %-7s  %3d  ", i, tag_name(d.tag), d.size());
    char path[80];
    std::snprintf(path, sizeof path, "%-62s  ", d.path.c_str());
    out += std::string(line) + path + choices + "\n";
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

int cmd_cost(const Args& args) {
  const Space space = load(args);
  const Indices indices = parse_indices(space, args.get("indices", ""));
  std::string cost_line;
  if (args.has("cost-model")) {
    const auto model = make_cost_model(args.options.at("cost-model"), space, {args.get("lut", "")});
    cost_line = str_cat(",\n  \"cost_model\": ", json_string(model->name()), ",\n  \"cost\": ",
                        json_number(model->cost_of(indices)), ",\n  \"cost_unit\": ",
                        json_string(model->unit()));
  }
  std::string latency = "null";
  if (!space.pixel1_weights.empty()) {
    latency = json_number(make_cost_model("tunas_pixel1", space)->cost_of(indices));
  }
  const Network net = resolve(space, indices);
  const std::string out = str_cat(
      "{\n  \"space\": ", json_string(space.name), ",\n  \"indices\": ",
      json_string(format_indices(indices)), ",\n  \"resolution\": ", net.resolution,
      ",\n  \"input_channels\": ", net.input_channels, ",\n  \"classes\": ", net.classes,
      ",\n  \"latency_ms\": ", latency, ",\n  \"macs\": ", count_macs(net), ",\n  \"params\": ",
      count_params(net), cost_line, "\n}\n");
  std::fputs(out.c_str(), stdout);
  return 0;
}

int cmd_show(const Args& args) {
  const Space space = load(args);
  const Indices indices = parse_indices(space, args.get("indices", ""));
  const std::string out = str_cat("space: ", space.name, "\nindices: ", format_indices(indices),
                                  "\n", format_network(resolve(space, indices)));
  std::fputs(out.c_str(), stdout);
  return 0;
}

int cmd_sample(const Args& args) {
  const Space space = load(args);
  const long long num = args.integer("num", 1, 0, 100000000);
  const double min_cost = args.number("min-cost", 83);
  const double max_cost = args.number("max-cost", 85);
  TUNAS_REQUIRE(min_cost <= max_cost, "--min-cost (", min_cost, ") must be <= --max-cost (",
                max_cost, ")");
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, 0, std::numeric_limits<long long>::max()));
  const long long max_attempts = args.integer("max-attempts", 10000000, 1, 1000000000000LL);
  const auto model = make_cost_model(args.get("cost-model", "tunas_pixel1"), space, {args.get("lut", "")});

  Rng rng(seed, stream_id("tunas_arch/sample"));
  Indices indices(space.decisions.size());
  std::vector<std::pair<std::string, double>> found;
  long long attempts = 0;
  auto progress = [&] {
    std::fprintf(stderr, "generated %lld samples, found %zu / %lld valid architectures\n",
                 attempts, found.size(), num);
  };
  while (static_cast<long long>(found.size()) < num) {
    if (attempts >= max_attempts) {
      progress();
      throw Error(str_cat("found ", found.size(), " of ", num, " architectures with ", min_cost,
                          " <= ", model->name(), " <= ", max_cost, " in ", attempts,
                          " attempts (--max-attempts); widen the window"));
    }
    indices = uniform_indices(space, rng);
    const double cost = model->cost_of(indices);
    ++attempts;
    if (cost >= min_cost && cost <= max_cost) found.emplace_back(format_indices(indices), cost);
    if (attempts % 100 == 0) progress();
  }
  progress();
  std::string out = "[";
  for (std::size_t i = 0; i < found.size(); ++i) {
    out += str_cat(i == 0 ? "\n" : ",\n", "  {\n    \"indices\": ", json_string(found[i].first),
                   ",\n    \"cost\": ", json_number(found[i].second), "\n  }");
  }
  out += found.empty() ? "]\n" : "\n]\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}

#ifdef TUNAS_HAVE_SEARCH
// The space, data and network settings of a search run directory (its params.json) and its
// final architecture (final_architecture.json, as export_final_architecture rewrites it);
// weights and out are left for the caller.
onnx_export::WeightsExportConfig search_run_export_config(const std::string& run_dir) {
  const std::string params = run::path_join(run_dir, "params.json");
  TUNAS_REQUIRE(file_exists(params), run_dir, " is not a search run directory (no params.json)");
  search::SearchConfig s;
  search::apply_config_file(s, params);
  onnx_export::WeightsExportConfig c;
  c.space = s.space;
  c.data = s.data;
  c.data_dir = s.data_dir;
  c.synthetic_size = s.synthetic_size;
  c.resolution = s.resolution;
  c.width_multiplier = s.width_multiplier;
  c.proxy_layers = s.proxy ? s.proxy_layers : 0;
  const std::string arch = run::path_join(run_dir, "final_architecture.json");
  try {
    c.indices = YAML::LoadFile(arch)["indices"].as<std::string>();
  } catch (const YAML::Exception& e) {
    throw Error(str_cat(arch, ": no final architecture (\"indices\"): ", e.what()));
  }
  return c;
}
#endif

int cmd_export(const Args& args) {
#ifdef TUNAS_HAVE_SEARCH
  const std::string run = args.required("run");
  const std::string weights =
      args.has("onnx") ? args.get("weights", run::path_join(run, "final_weights.bin"))
                       : args.get("weights", "");
  Json j = search::export_final_architecture(run, weights);
  if (args.has("onnx")) {
    onnx_export::WeightsExportConfig c = search_run_export_config(run);
    c.weights = weights;
    c.out = args.options.at("onnx");
    j["onnx"] = onnx_export::export_weights_onnx(c);
  }
  std::fputs((j.dump(2) + "\n").c_str(), stdout);
  return 0;
#else
  throw Error("tunas_arch was built without the search library (TUNAS_HAVE_SEARCH): no export");
#endif
}

int cmd_onnx(const Args& args) {
#ifdef TUNAS_HAVE_SEARCH
  onnx_export::WeightsExportConfig c;
  c.space = args.required("space");
  c.indices = args.get("indices", "");
  c.weights = args.required("weights");
  c.out = args.required("out");
  c.data = args.get("data", c.data);
  c.data_dir = args.get("data-dir", "");
  c.synthetic_size = args.integer("synthetic-size", 0, 0, 10000000);
  c.resolution = static_cast<int>(args.integer("resolution", c.resolution, 1, 4096));
  c.width_multiplier = args.number("width-multiplier", c.width_multiplier);
  c.proxy_layers = static_cast<int>(args.integer("proxy", c.proxy_layers, 0, 8));
  c.calibration_batches = static_cast<int>(args.integer("calibration-batches", c.calibration_batches, 1, 100000));
  std::fputs((onnx_export::export_weights_onnx(c).dump(2) + "\n").c_str(), stdout);
  return 0;
#else
  throw Error("tunas_arch was built without the search library (TUNAS_HAVE_SEARCH): no onnx");
#endif
}

int body(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h" || a == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
#ifdef TUNAS_HAVE_LATENCY
  latency::register_latency_cost_models();
#endif
  const Args args = parse_args(argc, argv);
  if (args.command == "info") return cmd_info(args);
  if (args.command == "cost") return cmd_cost(args);
  if (args.command == "show") return cmd_show(args);
  if (args.command == "export") return cmd_export(args);
  if (args.command == "onnx") return cmd_onnx(args);
  return cmd_sample(args);
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("tunas_arch", &body, argc, argv); }
