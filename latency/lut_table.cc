#include "latency/lut_table.h"

#include <cmath>
#include <fstream>
#include <utility>
#include <thread>

#include "core/cpu.h"
#include "core/error.h"
#include "core/files.h"
#include "core/json.h"

namespace tunas::latency {

LutSettings LutSettings::of(const spaces::Space& space) {
  LutSettings s;
  s.space = space.name;
  s.resolution = space.network.resolution;
  s.input_channels = space.network.input_channels;
  s.classes = space.network.classes;
  s.width_multiplier = space.network.width_multiplier;
  s.stride_overrides = space.network.stride_overrides;
  return s;
}

std::string LutSettings::network_mismatch(const LutSettings& o) const {
  std::string out;
  auto diff = [&](const char* what, const auto& a, const auto& b) {
    if (a != b) out += str_cat(out.empty() ? "" : "; ", what, ": table ", a, ", network ", b);
  };
  diff("space", space, o.space);
  diff("resolution", resolution, o.resolution);
  diff("input_channels", input_channels, o.input_channels);
  diff("classes", classes, o.classes);
  diff("width_multiplier", width_multiplier, o.width_multiplier);
  auto fmt = [](const std::map<std::string, int>& m) {
    std::string s = "{";
    for (const auto& [k, v] : m) s += str_cat(s.size() > 1 ? ", " : "", k, ": ", v);
    return s + "}";
  };
  diff("stride_overrides", fmt(stride_overrides), fmt(o.stride_overrides));
  return out;
}

Machine Machine::here() {
  Machine m;
  m.cpu = "unknown";
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        m.cpu = line.substr(colon + 1);
        m.cpu.erase(0, m.cpu.find_first_not_of(" \t"));
      }
      break;
    }
  }
  m.cores = static_cast<int>(std::thread::hardware_concurrency());
  m.isa = isa_name(best_isa());
  return m;
}

const LutEntry* LutTable::find(const std::string& key) const {
  for (const LutEntry& e : entries)
    if (e.config.key() == key) return &e;
  return nullptr;
}

std::string LutTable::to_json() const {
  Json j = Json::object();
  j["format"] = "tunas_lut/1";
  Json& m = j["machine"];
  m["cpu"] = machine.cpu;
  m["cores"] = machine.cores;
  m["isa"] = machine.isa;
  Json& s = j["settings"];
  s["space"] = settings.space;
  s["resolution"] = settings.resolution;
  s["input_channels"] = settings.input_channels;
  s["classes"] = settings.classes;
  s["width_multiplier"] = settings.width_multiplier;
  s["stride_overrides"] = Json::object();
  for (const auto& [k, v] : settings.stride_overrides) s["stride_overrides"][k] = v;
  s["batch"] = settings.batch;
  s["threads"] = settings.threads;
  s["warmup"] = settings.warmup;
  s["repeats"] = settings.repeats;
  s["method"] = settings.method;
  s["contexts"] = settings.contexts;
  s["rounds"] = settings.rounds;
  j["num_configs"] = num_configs;
  j["complete"] = complete();
  Json& es = j["entries"];
  es = Json::array();
  for (const LutEntry& e : entries) {
    const LayerConfig& c = e.config;
    Json r = Json::object();
    r["key"] = c.key();
    r["kind"] = config_kind_name(c.kind);
    r["in_channels"] = c.in_channels;
    r["out_channels"] = c.out_channels;
    r["kernel"] = c.kernel;
    r["stride"] = c.stride;
    r["expansion"] = c.expansion;
    r["se_hidden"] = c.se_hidden;
    r["activation"] = c.activation;
    r["se_activations"] = c.se_activations;
    r["residual"] = c.residual;
    r["use_batch_norm"] = c.use_batch_norm;
    r["in_size"] = c.in_size;
    r["out_size"] = c.out_size;
    r["median_ms"] = e.timing.median_ms;
    r["p10_ms"] = e.timing.p10_ms;
    r["p90_ms"] = e.timing.p90_ms;
    r["repeats"] = e.timing.repeats;
    es.push_back(std::move(r));
  }
  if (correction) {
    Json& c = j["correction"];
    c["scale"] = correction->scale;
    c["offset_ms"] = correction->offset_ms;
    c["source"] = correction->source;
  }
  return json_text(j, 1, "the latency table") + "\n";
}

LutTable LutTable::from_json_text(const std::string& text, const std::string& origin) {
  LutTable t;
  const JsonDocument doc = parse_json(text, str_cat("latency table ", origin));
  try {
    const JsonField root(doc, "");
    TUNAS_REQUIRE(root["format"] && root["format"].as<std::string>() == "tunas_lut/1",
                  "not a latency table (format is not tunas_lut/1)");
    const JsonField m = root["machine"];
    t.machine.cpu = m["cpu"].as<std::string>();
    t.machine.cores = m["cores"].as<int>();
    t.machine.isa = m["isa"].as<std::string>();
    const JsonField s = root["settings"];
    t.settings.space = s["space"].as<std::string>();
    t.settings.resolution = s["resolution"].as<int>();
    t.settings.input_channels = s["input_channels"].as<int>();
    t.settings.classes = s["classes"].as<int>();
    t.settings.width_multiplier = s["width_multiplier"].as<double>();
    const JsonField strides = s["stride_overrides"];
    for (const std::string& path : strides.keys())
      t.settings.stride_overrides[path] = strides[path].as<int>();
    t.settings.batch = s["batch"].as<int>();
    t.settings.threads = s["threads"].as<int>();
    t.settings.warmup = s["warmup"].as<int>();
    t.settings.repeats = s["repeats"].as<int>();
    if (s["method"]) t.settings.method = s["method"].as<std::string>();
    if (s["contexts"]) t.settings.contexts = s["contexts"].as<int>();
    if (s["rounds"]) t.settings.rounds = s["rounds"].as<int>();
    t.num_configs = root["num_configs"].as<int>();
    const JsonField entries = root["entries"];
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const JsonField r = entries[i];
      LutEntry e;
      LayerConfig& c = e.config;
      const std::string kind = r["kind"].as<std::string>();
      if (!find_config_kind(kind, c.kind))
        r["kind"].fail(str_cat("unknown layer kind '", kind, "' (valid: ",
                               spaces::layer_kind_spellings(), ", classifier)"));
      c.in_channels = r["in_channels"].as<int>();
      c.out_channels = r["out_channels"].as<int>();
      c.kernel = r["kernel"].as<int>();
      c.stride = r["stride"].as<int>();
      c.expansion = r["expansion"].as<int>();
      c.se_hidden = r["se_hidden"].as<int>();
      c.activation = r["activation"].as<std::string>();
      c.se_activations = r["se_activations"].as<std::string>();
      c.residual = r["residual"].as<bool>();
      c.use_batch_norm = r["use_batch_norm"].as<bool>();
      c.in_size = r["in_size"].as<int>();
      c.out_size = r["out_size"].as<int>();
      e.timing.median_ms = r["median_ms"].as<double>();
      e.timing.p10_ms = r["p10_ms"].as<double>();
      e.timing.p90_ms = r["p90_ms"].as<double>();
      e.timing.repeats = r["repeats"].as<int>();
      const std::string key = r["key"].as<std::string>();
      TUNAS_REQUIRE(key == c.key(), "entry key '", key, "' does not match its fields ('", c.key(), "')");
      // A latency is a finite, non-negative time; a negative one would reward bigger layers.
      const std::string where = str_cat(r.path(), " (", key, ")");
      for (const auto& [name, v] : {std::pair<const char*, double>{"median_ms", e.timing.median_ms},
                                    {"p10_ms", e.timing.p10_ms},
                                    {"p90_ms", e.timing.p90_ms}}) {
        TUNAS_REQUIRE(std::isfinite(v) && v >= 0, where, ": ", name, " must be a finite time >= 0 ms, got ",
                      v);
      }
      TUNAS_REQUIRE(e.timing.repeats >= 1, where, ": repeats must be >= 1, got ", e.timing.repeats);
      t.entries.push_back(std::move(e));
    }
    if (const JsonField c = root["correction"]) {
      Correction corr;
      corr.scale = c["scale"].as<double>();
      corr.offset_ms = c["offset_ms"].as<double>();
      corr.source = c["source"] ? c["source"].as<std::string>() : "";
      TUNAS_REQUIRE(std::isfinite(corr.scale) && corr.scale > 0 && std::isfinite(corr.offset_ms),
                    "correction needs a finite scale > 0 and a finite "
                    "offset_ms, got scale ", corr.scale, ", offset_ms ", corr.offset_ms);
      t.correction = corr;
    }
  } catch (const Error& e) {
    throw Error(str_cat("latency table ", origin, ": ", e.what()));
  }
  return t;
}

LutTable LutTable::load(const std::string& path) { return from_json_text(read_file(path), path); }

void LutTable::save(const std::string& path) const { write_file_atomic(path, to_json()); }

}  // namespace tunas::latency
