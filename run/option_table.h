// A generic option table: each setting of a tool defined ONCE (its key, help text and the
// struct field it sets), shared by command-line flags (--key-with-dashes), YAML --config
// files (key_with_underscores) and the params.json a run writes (itself a valid config file).
//
// Used by tunas_search (search/search_config.cc) and tunas_train (train/train_config.cc); built
// on member pointers, so a table row is just
//   option("batch", &TrainConfig::batch, "training images per step").
//
// Parsing never half-applies: values go into a copy that replaces the config only when every
// value parsed; a bad value throws tunas::Error naming the flag (or file:line) and the value.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tunas {

enum class OptionKind { text, real, integer, boolean };

double parse_real_option(const std::string& text, const std::string& where);
std::int64_t parse_integer_option(const std::string& text, const std::string& where);
bool parse_bool_option(const std::string& text, const std::string& where);
std::string option_flag_name(const std::string& key);  // "model_lr" -> "--model-lr"

// One key: value entry of a YAML mapping file; `where` is "file:line: key".
struct ConfigEntry {
  std::string key, value, where;
  int line = 0;
};
// Reads a YAML (or JSON) mapping of scalars. Throws tunas::Error naming the file and line on a
// missing file, malformed YAML, a non-mapping root or a non-scalar value. Keys in `skip` (e.g.
// params.json's informational sections) are dropped before the scalar check.
std::vector<ConfigEntry> read_config_entries(const std::string& path,
                                             const std::vector<std::string>& skip);

template <class Config>
struct Option {
  const char* key;
  OptionKind kind;
  std::function<void(Config&, const std::string& value, const std::string& where)> set;
  std::function<Json(const Config&)> get;
  const char* help;
};

// A real setting whose default is derived at run time: "auto" (nullopt) or a number, so that
// every number, 0 included, means itself.
using AutoReal = std::optional<double>;
AutoReal parse_auto_real_option(const std::string& text, const std::string& where);

// A table row from a field: std::string -> text, bool -> boolean, integral -> integer,
// floating point -> real, AutoReal -> real or "auto".
template <class Config, class T>
Option<Config> option(const char* key, T Config::*field, const char* help) {
  Option<Config> o{key, OptionKind::text, nullptr, nullptr, help};
  if constexpr (std::is_same_v<T, std::string>) {
    o.kind = OptionKind::text;
    o.set = [field](Config& c, const std::string& v, const std::string&) { c.*field = v; };
    o.get = [field](const Config& c) { return Json(c.*field); };
  } else if constexpr (std::is_same_v<T, bool>) {
    o.kind = OptionKind::boolean;
    o.set = [field](Config& c, const std::string& v, const std::string& w) {
      c.*field = parse_bool_option(v, w);
    };
    o.get = [field](const Config& c) { return Json(c.*field); };
  } else if constexpr (std::is_same_v<T, AutoReal>) {
    o.kind = OptionKind::real;
    o.set = [field](Config& c, const std::string& v, const std::string& w) {
      c.*field = parse_auto_real_option(v, w);
    };
    o.get = [field](const Config& c) { return c.*field ? Json(*(c.*field)) : Json("auto"); };
  } else if constexpr (std::is_integral_v<T>) {
    o.kind = OptionKind::integer;
    o.set = [field](Config& c, const std::string& v, const std::string& w) {
      // Range of the field's type, checked before the cast: no modulo-2^32 wrap.
      const std::int64_t parsed = parse_integer_option(v, w);
      const std::int64_t lo = std::is_signed_v<T> ? std::int64_t(std::numeric_limits<T>::min()) : 0;
      const std::int64_t hi = sizeof(T) < sizeof(std::int64_t)
                                  ? std::int64_t(std::numeric_limits<T>::max())
                                  : std::numeric_limits<std::int64_t>::max();
      TUNAS_REQUIRE(parsed >= lo && parsed <= hi, w, ": ", v, " is out of range [", lo, ", ", hi,
                    "]");
      c.*field = static_cast<T>(parsed);
    };
    o.get = [field](const Config& c) { return Json(static_cast<std::int64_t>(c.*field)); };
  } else {
    static_assert(std::is_floating_point_v<T>, "option fields are string, bool, integer or real");
    o.kind = OptionKind::real;
    o.set = [field](Config& c, const std::string& v, const std::string& w) {
      c.*field = static_cast<T>(parse_real_option(v, w));
    };
    o.get = [field](const Config& c) { return Json(c.*field); };
  }
  return o;
}

template <class Config>
class OptionTable {
 public:
  explicit OptionTable(std::vector<Option<Config>> options) : options_(std::move(options)) {}

  const std::vector<Option<Config>>& options() const { return options_; }

  const Option<Config>* find(const std::string& key) const {
    for (const auto& o : options_)
      if (key == o.key) return &o;
    return nullptr;
  }

  std::string valid_keys() const {
    std::string s;
    for (const auto& o : options_) s += (s.empty() ? "" : ", ") + std::string(o.key);
    return s;
  }

  // Applies a YAML file of options. Unknown keys throw, naming file:line and the valid keys.
  void apply_file(Config& config, const std::string& path,
                  const std::vector<std::string>& skip = {},
                  std::vector<std::string>* given_keys = nullptr) const {
    Config updated = config;
    for (const ConfigEntry& e : read_config_entries(path, skip)) {
      const Option<Config>* o = find(e.key);
      TUNAS_REQUIRE(o != nullptr, path, ":", e.line, ": unknown option '", e.key,
                    "'; valid options: ", valid_keys());
      o->set(updated, e.value, e.where);
      if (given_keys) given_keys->push_back(e.key);
    }
    config = updated;
  }

  // Parses argv: --key V, --key=V, bare --flag for booleans. --config FILE is applied first,
  // then every other flag, whatever their order. Returns false on --help/-h (prints `usage`).
  // `aliases` maps extra flag keys onto table keys. The file name goes to *config_file; the
  // keys set by the file or a flag go to *given_keys (--resume refuses changed ones).
  bool parse_flags(Config& config, int argc, char** argv, const std::string& usage,
                   std::string* config_file,
                   const std::vector<std::pair<std::string, std::string>>& aliases = {},
                   std::vector<std::string>* given_keys = nullptr) const;

  // "  --flag N                   help" lines, one per option.
  std::string help_lines() const {
    std::string out;
    for (const auto& o : options_) {
      std::string flag = option_flag_name(o.key);
      if (o.kind != OptionKind::boolean) flag += o.kind == OptionKind::text ? " S" : " N";
      out += "  " + flag;
      for (std::size_t pad = flag.size(); pad < 27; ++pad) out += ' ';
      out += std::string(o.help) + "\n";
    }
    return out;
  }

  // "--steps (run: 100, now: 200), ..." for each of `keys` whose value differs between the
  // two configs; "" when none does. --resume refuses such changes.
  std::string differences(const Config& run, const Config& now,
                          const std::vector<std::string>& keys) const {
    std::string out;
    for (const std::string& key : keys) {
      const Option<Config>* o = find(key);
      if (o == nullptr || out.find(option_flag_name(key) + " ") != std::string::npos) continue;
      const std::string was = o->get(run).dump(), is = o->get(now).dump();
      if (was != is)
        out += (out.empty() ? "" : ", ") + option_flag_name(key) + " (run: " + was + ", now: " + is + ")";
    }
    return out;
  }

  // Every option keyed like the config file, except `skip`.
  Json to_json(const Config& config, const std::vector<std::string>& skip = {}) const {
    Json j = Json::object();
    for (const auto& o : options_) {
      bool skipped = false;
      for (const auto& k : skip) skipped = skipped || k == o.key;
      if (!skipped) j[o.key] = o.get(config);
    }
    return j;
  }

 private:
  std::vector<Option<Config>> options_;
};

// Shared flag scanner behind OptionTable::parse_flags (non-template part).
struct ScannedFlag {
  std::string key, value, where;
};
struct ScannedFlags {
  bool help = false;
  std::string config_file;
  std::vector<ScannedFlag> flags;
};
// needs_value(key) tells whether a flag without '=' takes the next argument; it returns
// nullopt-like -1 for an unknown key (which throws), 0 for a boolean, 1 for a valued option.
ScannedFlags scan_flags(int argc, char** argv,
                        const std::function<int(const std::string& key)>& needs_value,
                        const std::vector<std::pair<std::string, std::string>>& aliases);

template <class Config>
bool OptionTable<Config>::parse_flags(
    Config& config, int argc, char** argv, const std::string& usage, std::string* config_file,
    const std::vector<std::pair<std::string, std::string>>& aliases,
    std::vector<std::string>* given_keys) const {
  const ScannedFlags scanned = scan_flags(
      argc, argv,
      [this](const std::string& key) {
        const Option<Config>* o = find(key);
        return o == nullptr ? -1 : (o->kind == OptionKind::boolean ? 0 : 1);
      },
      aliases);
  if (scanned.help) {
    std::fputs(usage.c_str(), stdout);
    return false;
  }
  Config updated = config;
  std::vector<std::string> given;
  if (!scanned.config_file.empty()) apply_file(updated, scanned.config_file, {}, &given);
  for (const auto& f : scanned.flags) {
    find(f.key)->set(updated, f.value, f.where);
    given.push_back(f.key);
  }
  config = updated;
  if (given_keys) *given_keys = std::move(given);
  if (config_file) *config_file = scanned.config_file;
  return true;
}

}  // namespace tunas
