#include "search/search_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

#include "core/error.h"

namespace tunas::search {

namespace {

enum class Kind { text, real, integer, boolean };

// One setting: its key (YAML / params.json; the flag is the key with '-' for '_'), help,
// and typed access to the field.
struct Option {
  const char* key;
  Kind kind;
  std::function<void(SearchConfig&, const std::string&, const std::string&)> set;
  std::function<Json(const SearchConfig&)> get;
  const char* help;
};

double parse_real(const std::string& text, const std::string& where) {
  double v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  auto [p, ec] = std::from_chars(b, e, v);
  TUNAS_REQUIRE(ec == std::errc() && p == e && std::isfinite(v), where, ": expected a number, got '",
                text, "'");
  return v;
}

std::int64_t parse_integer(const std::string& text, const std::string& where) {
  std::int64_t v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  auto [p, ec] = std::from_chars(b, e, v);
  TUNAS_REQUIRE(ec == std::errc() && p == e, where, ": expected an integer, got '", text, "'");
  return v;
}

bool parse_bool(const std::string& text, const std::string& where) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  throw Error(str_cat(where, ": expected true or false, got '", text, "'"));
}

#define TEXT(field)                                                                  \
  Kind::text, [](SearchConfig& c, const std::string& v, const std::string&) { c.field = v; }, \
      [](const SearchConfig& c) { return Json(c.field); }
#define REAL(field)                                                                          \
  Kind::real,                                                                                \
      [](SearchConfig& c, const std::string& v, const std::string& w) { c.field = parse_real(v, w); }, \
      [](const SearchConfig& c) { return Json(c.field); }
#define INTEGER(field)                                                                       \
  Kind::integer,                                                                             \
      [](SearchConfig& c, const std::string& v, const std::string& w) {                      \
        c.field = static_cast<decltype(c.field)>(parse_integer(v, w));                       \
      },                                                                                     \
      [](const SearchConfig& c) { return Json(static_cast<std::int64_t>(c.field)); }
#define BOOLEAN(field)                                                                       \
  Kind::boolean,                                                                             \
      [](SearchConfig& c, const std::string& v, const std::string& w) { c.field = parse_bool(v, w); }, \
      [](const SearchConfig& c) { return Json(c.field); }

const std::vector<Option>& options() {
  static const std::vector<Option> table = {
      {"space", TEXT(space), "search space: a TuNAS name (proxylessnas_search, "
                             "proxylessnas_enlarged_search, mobilenet_v3_like_search) or a YAML path"},
      {"data", TEXT(data), "dataset: fashion_mnist | synthetic | cifar10"},
      {"data_dir", TEXT(data_dir), "dataset directory (fashion_mnist default: "
                                   "/usr/share/datasets/fashion-mnist)"},
      {"cost_model", TEXT(cost_model), "cost model: tunas_pixel1 (ms), macs, params, lut"},
      {"lut", TEXT(lut), "latency table file for --cost-model lut"},
      {"target_ms", REAL(target_ms), "cost target T0 (0 = the space's default: 84 or 57 ms); "
                                     "flag alias --target"},
      {"reward", TEXT(reward), "reward: abs (default) | mnas | mnas_hard | unconstrained"},
      {"beta", REAL(beta), "cost exponent beta of the reward (default -0.10)"},
      {"steps", INTEGER(steps), "search steps (0 = from --epochs)"},
      {"epochs", REAL(epochs), "epochs over the search-train split (used when --steps is 0)"},
      {"batch", INTEGER(batch), "training images per replica per step"},
      {"valid_batch", INTEGER(valid_batch), "validation images per replica per step (0 = batch)"},
      {"replicas", INTEGER(replicas), "K: architectures sampled per step (gradients averaged)"},
      {"validation_size", INTEGER(validation_size),
       "images of the training set held out for the rewards"},
      {"synthetic_size", INTEGER(synthetic_size), "training images of --data synthetic"},
      {"proxy", BOOLEAN(proxy), "proxy network: stem and first stride-2 layer at stride 1"},
      {"proxy_layers", INTEGER(proxy_layers),
       "how many leading stride-2 layers the proxy runs at stride 1 (stem, first block)"},
      {"resolution", INTEGER(resolution), "input resolution the network is built for"},
      {"width_multiplier", REAL(width_multiplier), "multiplier on every block width"},
      {"model_lr", REAL(model_lr), "peak model learning rate (0 = 0.165 * global batch / 256)"},
      {"model_warmup_fraction", REAL(model_warmup_fraction), "linear model lr warm-up fraction"},
      {"weight_decay", REAL(weight_decay), "L2 weight decay (-1 = the space's default)"},
      {"label_smoothing", REAL(label_smoothing), "label smoothing of the training loss"},
      {"policy_lr", REAL(policy_lr),
       "base policy learning rate (0 = 3e-4 * global batch / 256 * policy_lr_scale)"},
      {"policy_lr_scale", REAL(policy_lr_scale), "multiplier on the default policy lr"},
      {"policy_lr_schedule", TEXT(policy_lr_schedule), "exponential (x10 over learning) | constant"},
      {"policy_delay_fraction", REAL(policy_delay_fraction),
       "fraction of steps before the policy learns"},
      {"warmup_fraction", REAL(warmup_fraction), "op and filter warm-up fraction (<= delay)"},
      {"entropy_weight", REAL(entropy_weight), "entropy regularisation lambda"},
      {"remat", BOOLEAN(remat), "rematerialise multi-branch switches in the backward pass"},
      {"seed", INTEGER(seed), "random seed (weights, policy samples, data order)"},
      {"threads", INTEGER(threads), "threads (0 = all cores)"},
      {"out", TEXT(out), "run directory"},
      {"log_every", INTEGER(log_every), "steps between log.jsonl records and progress lines"},
      {"checkpoint_every", INTEGER(checkpoint_every), "steps between checkpoints"},
      {"quiet", BOOLEAN(quiet), "no progress output"},
      {"resume", BOOLEAN(resume), "continue the run in --out from its last checkpoint"},
  };
  return table;
}

#undef TEXT
#undef REAL
#undef INTEGER
#undef BOOLEAN

const Option* find_option(const std::string& key) {
  for (const auto& o : options())
    if (key == o.key) return &o;
  return nullptr;
}

std::string flag_name(const std::string& key) {
  std::string f = key;
  for (char& c : f)
    if (c == '_') c = '-';
  return "--" + f;
}

std::string valid_keys() {
  std::string s;
  for (const auto& o : options()) {
    if (!s.empty()) s += ", ";
    s += o.key;
  }
  return s;
}

}  // namespace

void apply_config_file(SearchConfig& config, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error(str_cat("cannot read config file ", path));
  } catch (const YAML::Exception& e) {
    throw Error(str_cat(path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": malformed YAML: ", e.msg));
  }
  if (root.IsNull()) return;
  TUNAS_REQUIRE(root.IsMap(), path, ":", root.Mark().line + 1,
                ": a config file must be a mapping of option: value");
  SearchConfig updated = config;
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>();
    if (key == "resolved") continue;  // params.json's derived values: informational
    const std::string where = str_cat(path, ":", item.first.Mark().line + 1, ": ", key);
    const Option* opt = find_option(key);
    TUNAS_REQUIRE(opt != nullptr, path, ":", item.first.Mark().line + 1, ": unknown option '", key,
                  "'; valid options: ", valid_keys());
    TUNAS_REQUIRE(std::string(key) != "config", where, ": a config file cannot include another");
    TUNAS_REQUIRE(item.second.IsScalar() || item.second.IsNull(), where,
                  ": expected a single value, got a list or mapping");
    opt->set(updated, item.second.IsNull() ? std::string() : item.second.Scalar(), where);
  }
  config = updated;
}

bool parse_search_flags(SearchConfig& config, int argc, char** argv) {
  struct Flag {
    std::string key, value, where;
    bool has_value;
  };
  std::vector<Flag> flags;
  std::string config_file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(search_usage().c_str(), stdout);
      return false;
    }
    TUNAS_REQUIRE(arg.rfind("--", 0) == 0 && arg.size() > 2, "unexpected argument '", arg,
                  "' (options start with --; see --help)");
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    std::string key = name;
    for (char& c : key)
      if (c == '-') c = '_';
    if (key == "target") key = "target_ms";
    if (key == "config") {
      if (!has_value) {
        TUNAS_REQUIRE(i + 1 < argc, "--config needs a file");
        value = argv[++i];
      }
      config_file = value;
      continue;
    }
    const Option* opt = find_option(key);
    TUNAS_REQUIRE(opt != nullptr, "unknown option '--", name, "' (see --help)");
    if (!has_value && opt->kind != Kind::boolean) {
      TUNAS_REQUIRE(i + 1 < argc, "option --", name, " needs a value");
      value = argv[++i];
      has_value = true;
    }
    if (!has_value) value = "true";
    flags.push_back({key, value, "option --" + name, has_value});
  }
  SearchConfig updated = config;
  if (!config_file.empty()) {
    apply_config_file(updated, config_file);
    updated.config = config_file;
  }
  for (const auto& f : flags) find_option(f.key)->set(updated, f.value, f.where);
  config = updated;
  return true;
}

std::string search_usage() {
  std::ostringstream os;
  os << "usage: tunas_search [options]\n\n"
        "Runs a TuNAS weight-sharing architecture search: trains one supernet and a policy\n"
        "per decision with REINFORCE against the reward r = accuracy + beta*|T/T0 - 1|, then\n"
        "writes the argmax architecture to <out>/final_architecture.json.\n\n"
        "Every option can also be set in a YAML file (--config FILE, keys as below with '_');\n"
        "flags override the file. <out>/params.json holds every resolved setting.\n\n"
        "options:\n";
  os << "  --config FILE              YAML file of options\n";
  for (const auto& o : options()) {
    std::string flag = flag_name(o.key);
    if (o.kind != Kind::boolean) flag += o.kind == Kind::text ? " S" : " N";
    os << "  " << flag;
    for (std::size_t pad = flag.size(); pad < 27; ++pad) os << ' ';
    os << o.help << "\n";
  }
  os << "  --help                     this text\n\n"
        "Exit status: 0 done, 1 bad input or a failed run (message on stderr), 130 interrupted\n"
        "(a checkpoint was saved; continue with --resume --out DIR).\n";
  return os.str();
}

void validate(const SearchConfig& c) {
  auto require_positive = [](double v, const char* key) {
    TUNAS_REQUIRE(v > 0, flag_name(key), " must be > 0, got ", v);
  };
  auto require_fraction = [](double v, const char* key) {
    TUNAS_REQUIRE(v >= 0 && v <= 1, flag_name(key), " must be in [0, 1], got ", v);
  };
  TUNAS_REQUIRE(c.data == "fashion_mnist" || c.data == "synthetic" || c.data == "cifar10",
                "--data must be fashion_mnist, synthetic or cifar10, got '", c.data, "'");
  TUNAS_REQUIRE(c.steps >= 0, "--steps must be >= 0, got ", c.steps);
  TUNAS_REQUIRE(c.steps > 0 || c.epochs > 0, "give --steps N or --epochs E (> 0)");
  TUNAS_REQUIRE(c.epochs >= 0, "--epochs must be >= 0, got ", c.epochs);
  require_positive(c.batch, "batch");
  TUNAS_REQUIRE(c.valid_batch >= 0, "--valid-batch must be >= 0, got ", c.valid_batch);
  require_positive(c.replicas, "replicas");
  require_positive(double(c.validation_size), "validation_size");
  require_positive(double(c.synthetic_size), "synthetic_size");
  TUNAS_REQUIRE(c.proxy_layers >= 0 && c.proxy_layers <= 8, "--proxy-layers must be in [0, 8], got ",
                c.proxy_layers);
  TUNAS_REQUIRE(c.resolution >= 8 && c.resolution <= 1024, "--resolution must be in [8, 1024], got ",
                c.resolution);
  require_positive(c.width_multiplier, "width_multiplier");
  TUNAS_REQUIRE(c.target_ms >= 0, "--target must be >= 0 (0 = the space's default), got ",
                c.target_ms);
  TUNAS_REQUIRE(c.model_lr >= 0, "--model-lr must be >= 0, got ", c.model_lr);
  TUNAS_REQUIRE(c.policy_lr >= 0, "--policy-lr must be >= 0, got ", c.policy_lr);
  require_positive(c.policy_lr_scale, "policy_lr_scale");
  TUNAS_REQUIRE(c.policy_lr_schedule == "exponential" || c.policy_lr_schedule == "constant",
                "--policy-lr-schedule must be exponential or constant, got '",
                c.policy_lr_schedule, "'");
  require_fraction(c.model_warmup_fraction, "model_warmup_fraction");
  require_fraction(c.policy_delay_fraction, "policy_delay_fraction");
  require_fraction(c.warmup_fraction, "warmup_fraction");
  require_fraction(c.label_smoothing, "label_smoothing");
  TUNAS_REQUIRE(c.weight_decay == -1 || c.weight_decay >= 0,
                "--weight-decay must be >= 0 (or -1 for the space's default), got ", c.weight_decay);
  TUNAS_REQUIRE(c.entropy_weight >= 0, "--entropy-weight must be >= 0, got ", c.entropy_weight);
  TUNAS_REQUIRE(c.threads >= 0, "--threads must be >= 0, got ", c.threads);
  TUNAS_REQUIRE(!c.out.empty(), "--out must name a directory");
  require_positive(double(c.log_every), "log_every");
  require_positive(double(c.checkpoint_every), "checkpoint_every");
  TUNAS_REQUIRE(c.cost_model != "lut" || !c.lut.empty(), "--cost-model lut needs --lut FILE");
}

Json config_to_json(const SearchConfig& config) {
  Json j = Json::object();
  for (const auto& o : options()) {
    if (std::string(o.key) == "resume" || std::string(o.key) == "quiet") continue;
    j[o.key] = o.get(config);
  }
  return j;
}

std::string config_fingerprint(const SearchConfig& config) {
  // Settings that change the computation; threads, remat (bitwise-equal gradients), output
  // and logging/checkpoint cadence do not.
  Json j = config_to_json(config);
  Json::Object kept;
  for (const char* key : {"space", "data", "data_dir", "cost_model", "lut", "target_ms", "reward",
                          "beta", "steps", "epochs", "batch", "valid_batch", "replicas",
                          "validation_size", "synthetic_size", "proxy", "proxy_layers", "resolution",
                          "width_multiplier", "model_lr", "model_warmup_fraction", "weight_decay",
                          "label_smoothing", "policy_lr", "policy_lr_scale", "policy_lr_schedule",
                          "policy_delay_fraction", "warmup_fraction", "entropy_weight", "seed"}) {
    kept[key] = j[key];
  }
  return Json(kept).dump();
}

}  // namespace tunas::search
