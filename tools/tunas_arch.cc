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
#include "datasets/dataset.h"
#include "run/option_blocks.h"
#include "run/option_table.h"
#include "search_spaces/catalog.h"
#include "search_spaces/cost_model.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "search_spaces/pixel1_cost_model.h"
#ifdef TUNAS_HAVE_SEARCH
#include <yaml-cpp/yaml.h>

#include "core/files.h"
#include "core/json.h"
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

// Every option of every command; 0 (or "") where the default comes from the space or the
// command (see defaults_for).
struct ArchOptions {
  std::string space, indices, cost_model, lut, run, weights, onnx, out;
  int resolution = 0, input_channels = 0, classes = 0;
  double width_multiplier = 0;
  bool proxy = false;
  int proxy_layers = 2;
  std::int64_t num = 1, max_attempts = 10000000;
  double min_cost = 83, max_cost = 85;
  std::uint64_t seed = 0;
  std::string data = "fashion_mnist", data_dir;
  std::int64_t synthetic_size = 2000;
  int calibration_batches = 20;
};

const OptionTable<ArchOptions>& table() {
  using C = ArchOptions;
  static const std::vector<std::string> net = {"space", "resolution", "classes", "input_channels",
                                               "width_multiplier", "proxy", "proxy_layers"};
  auto with_net = [](std::vector<std::string> keys) {
    keys.insert(keys.end(), net.begin(), net.end());
    return keys;
  };
  static const OptionTable<C> t(
      concat<C>({
          {
              option("space", &C::space, "search space: a name or a YAML path"),
              option("indices", &C::indices, "architecture: i:j:k:... (one per decision)"),
              option("cost_model", &C::cost_model, "tunas_pixel1 (ms), macs, params or lut (ms)"),
              option("lut", &C::lut, "latency table for --cost-model lut (tunas_profile)"),
              option("input_channels", &C::input_channels, "input channels (default: the space's)")
                  .in(1, 64),
              option("classes", &C::classes, "logits (default: the space's)")
                  .in(1, datasets::kMaxClasses),
          },
          network_options<C>(),
          {
              option("num", &C::num, "architectures to find").in(0, 100000000),
              option("min_cost", &C::min_cost, "lowest cost kept"),
              option("max_cost", &C::max_cost, "highest cost kept"),
              option("seed", &C::seed, "random seed of the samples"),
              option("max_attempts", &C::max_attempts, "samples drawn before giving up")
                  .in(1, 1e12),
              option("run", &C::run, "a tunas_search run directory"),
              option("weights", &C::weights, "a weights file (tunas_arch export --weights, "
                                             "tunas_train's weights.bin)"),
              option("onnx", &C::onnx, "also write that path as an ONNX model to this file"),
              option("out", &C::out, "the ONNX file to write"),
          },
          data_options<C>(),
          {
              option("calibration_batches", &C::calibration_batches,
                     "training batches the BN statistics are calibrated on (when FILE has none)")
                  .in(1, 100000),
          },
      }),
      {
          {"info", with_net({}), {"space"}, R"(  info    --space S                 decisions (position, tag, choice count, path, choices),
                                    tag counts and cardinality
)"},
          {"cost", with_net({"indices", "cost_model", "lut"}), {"space"}, R"(  cost    --space S --indices I     one JSON object: latency_ms (tunas_pixel1; null when the
          [--cost-model NAME]       space has no Pixel-1 weights), macs, params, resolution,
                                    classes, and cost/cost_model when --cost-model is given
)"},
          {"show", with_net({"indices"}), {"space"}, R"(  show    --space S --indices I     the resolved layer table
)"},
          {"sample",
           with_net({"num", "min_cost", "max_cost", "seed", "cost_model", "max_attempts", "lut"}),
           {"space"},
           R"(  sample  --space S [--num N] [--min-cost A] [--max-cost B] [--seed K]
          [--cost-model NAME] [--max-attempts M]
                                    uniform samples of every decision, kept when
                                    A <= cost <= B; progress on stderr, a JSON list of
                                    {"indices", "cost"} on stdout. Defaults: N=1, A=83,
                                    B=85, K=0, NAME=tunas_pixel1, M=10000000.
)"},
          {"export", {"run", "weights", "onnx"}, {"run"}, R"(  export  --run DIR [--weights FILE] [--onnx FILE]
                                    rewrites DIR/final_architecture.json from the run's
                                    latest checkpoint (finished or not: the arg-max of the
                                    policy there) and prints it; with --weights, also writes
                                    the supernet weights of that architecture's path (for
                                    tunas_train --init-weights FILE); with --onnx, that path
                                    as an ONNX model (weights in DIR/final_weights.bin unless
                                    --weights; BN statistics calibrated on training images)
)"},
          {"onnx",
           {"space", "indices", "weights", "out", "data", "data_dir", "synthetic_size", "resolution",
            "width_multiplier", "proxy", "proxy_layers", "calibration_batches"},
           {"space", "weights", "out"},
           R"(  onnx    --space S --indices I --weights FILE --out FILE.onnx
          [--data NAME] [--data-dir DIR] [--synthetic-size N] [--resolution R]
          [--width-multiplier M] [--proxy] [--proxy-layers N] [--calibration-batches B]
                                    the architecture with the weights of FILE (tunas_train's
                                    weights.bin, or export --weights) as an ONNX model that
                                    takes the data set's raw images (defaults as tunas_train:
                                    fashion_mnist, R=32, M=1, the proxy on with N=2); BN
                                    moving statistics from FILE, or calibrated on B (20)
                                    training batches
)"},
      });
  return t;
}

// --help: the commands, then every option with its range from the table.
std::string usage() {
  std::string out = "usage: tunas_arch <command> [options]\n\ncommands:\n";
  for (const OptionCommand& c : table().commands()) out += c.usage;
  out += R"(
options (network options never change the decisions, and the Pixel-1 latency is always
that of the original 224x224 network; unset, the network is the space's own):
)";
  out += option_help_block(table().help_lines());
  out += R"(
S is a space name (a file <data root>/search_spaces/S.yaml; the data root is
$TUNAS_DATA_DIR or the source checkout) or a path to a YAML file. I is a colon-separated
index list "i:j:k:..." with one entry per decision (empty for fixed architectures).
Cost models: tunas_pixel1 (ms), macs, params, lut (ms, needs --lut).

Exit status: 0 done, 1 bad input (message on stderr), 2 internal error (a bug).
)";
  return out;
}

// onnx builds the network tunas_train trained (its defaults: resolution 32, the proxy on);
// the other commands the space as written unless told otherwise.
ArchOptions defaults_for(const std::string& command) {
  ArchOptions o;
#ifdef TUNAS_HAVE_SEARCH
  if (command == "onnx") {
    const onnx_export::WeightsExportConfig c;
    o.resolution = c.resolution;
    o.width_multiplier = c.width_multiplier;
    o.proxy = c.proxy_layers > 0;
    o.proxy_layers = c.proxy_layers > 0 ? c.proxy_layers : o.proxy_layers;
    o.data = c.data;
    o.synthetic_size = c.synthetic_size;
    o.calibration_batches = c.calibration_batches;
  }
#endif
  return o;
}

Space load(const ArchOptions& o) {
  Space space = load_space(o.space);
  const NetworkConfig& net = space.network;
  configure_data_network(space, o.resolution > 0 ? o.resolution : net.resolution,
                         o.input_channels > 0 ? o.input_channels : net.input_channels,
                         o.classes > 0 ? o.classes : net.classes,
                         o.width_multiplier > 0 ? o.width_multiplier : net.width_multiplier,
                         o.proxy ? o.proxy_layers : 0);
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

int cmd_info(const ArchOptions& o) {
  const Space space = load(o);
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

int cmd_cost(const ArchOptions& o) {
  const Space space = load(o);
  const Indices indices = parse_indices(space, o.indices);
  std::string cost_line;
  if (!o.cost_model.empty()) {
    const auto model = make_cost_model(o.cost_model, space, {o.lut});
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

int cmd_show(const ArchOptions& o) {
  const Space space = load(o);
  const Indices indices = parse_indices(space, o.indices);
  const std::string out = str_cat("space: ", space.name, "\nindices: ", format_indices(indices),
                                  "\n", format_network(resolve(space, indices)));
  std::fputs(out.c_str(), stdout);
  return 0;
}

int cmd_sample(const ArchOptions& o) {
  const Space space = load(o);
  const long long num = o.num, max_attempts = o.max_attempts;
  const double min_cost = o.min_cost, max_cost = o.max_cost;
  TUNAS_REQUIRE(min_cost <= max_cost, "--min-cost (", min_cost, ") must be <= --max-cost (",
                max_cost, ")");
  const auto model =
      make_cost_model(o.cost_model.empty() ? "tunas_pixel1" : o.cost_model, space, {o.lut});

  Rng rng(o.seed, stream_id("tunas_arch/sample"));
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
  TUNAS_REQUIRE(file_exists(arch), arch, ": no final architecture (run `tunas_arch export` first)");
  c.indices = JsonField(read_json_file(arch), arch)["indices"].as<std::string>();
  return c;
}
#endif

int cmd_export(const ArchOptions& o) {
#ifdef TUNAS_HAVE_SEARCH
  const std::string& run = o.run;
  const std::string weights = !o.onnx.empty() && o.weights.empty()
                                  ? run::path_join(run, "final_weights.bin")
                                  : o.weights;
  Json j = search::export_final_architecture(run, weights);
  if (!o.onnx.empty()) {
    onnx_export::WeightsExportConfig c = search_run_export_config(run);
    c.weights = weights;
    c.out = o.onnx;
    j["onnx"] = onnx_export::export_weights_onnx(c);
  }
  std::fputs((json_text(j, 2, "the output") + "\n").c_str(), stdout);
  return 0;
#else
  throw Error("tunas_arch was built without the search library (TUNAS_HAVE_SEARCH): no export");
#endif
}

int cmd_onnx(const ArchOptions& o) {
#ifdef TUNAS_HAVE_SEARCH
  onnx_export::WeightsExportConfig c;
  c.space = o.space;
  c.indices = o.indices;
  c.weights = o.weights;
  c.out = o.out;
  c.data = o.data;
  c.data_dir = o.data_dir;
  c.synthetic_size = o.synthetic_size;
  c.resolution = o.resolution;
  c.width_multiplier = o.width_multiplier;
  c.proxy_layers = o.proxy ? o.proxy_layers : 0;
  c.calibration_batches = o.calibration_batches;
  std::fputs((json_text(onnx_export::export_weights_onnx(c), 2, "the output") + "\n").c_str(), stdout);
  return 0;
#else
  throw Error("tunas_arch was built without the search library (TUNAS_HAVE_SEARCH): no onnx");
#endif
}

int body(int argc, char** argv) {
  ArchOptions o = defaults_for(table().command_of(argc, argv));
  const std::string command = table().parse_command(o, argc, argv, usage());
  if (command.empty()) return 0;  // --help
#ifdef TUNAS_HAVE_LATENCY
  latency::register_latency_cost_models();
#endif
  if (command == "info") return cmd_info(o);
  if (command == "cost") return cmd_cost(o);
  if (command == "show") return cmd_show(o);
  if (command == "export") return cmd_export(o);
  if (command == "onnx") return cmd_onnx(o);
  return cmd_sample(o);
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("tunas_arch", &body, argc, argv); }
