// A generic option table: each setting of a tool defined ONCE (its key, help text, the struct
// field it sets, its valid range or choices and whether it changes a run's result), shared by
// command-line flags (--key-with-dashes), YAML --config files (key_with_underscores), the
// params.json a run writes (itself a valid config file), --help and validation.
//
// Used by every tool (tunas_search, tunas_train, tunas_arch, tunas_profile, ...); built on
// member pointers, so a table row is just
//   option("batch", &TrainConfig::batch, "training images per step").in(1, kMaxBatch)
// Tools with sub-commands (tunas_arch info|cost|...) list which keys each command takes.
//
// Parsing never half-applies: values go into a copy that replaces the config only when every
// value parsed; a bad value throws tunas::Error naming the flag (or file:line), the value and
// the valid range or choices.
#pragma once

#include <cmath>
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

// The values a numeric row accepts: lo..hi (either end open or absent), plus optionally one
// value outside that stands for a default ("-1 for the space's default").
struct OptionBounds {
  double lo = -HUGE_VAL, hi = HUGE_VAL;
  bool lo_open = false, hi_open = false;
  std::optional<double> special;
  std::string special_meaning;

  bool contains(double v) const;
  // "in [1, 65536]", ">= 0", "> 0", "in [0, 1)" plus " (or -1 for ...)"; integers print exactly.
  std::string text(bool integer) const;
  bool any() const { return lo != -HUGE_VAL || hi != HUGE_VAL; }
};

// How a setting bears on a run's result, for --resume: result settings are fingerprinted into
// the checkpoint and may not change on resume; result_when_set ones were added after the first
// release and count only away from their default, so checkpoints of older runs still match.
enum class OptionEffect { none, result, result_when_set };

// A real setting whose default is derived at run time: "auto" (nullopt) or a number, so that
// every number, 0 included, means itself.
using AutoReal = std::optional<double>;
AutoReal parse_auto_real_option(const std::string& text, const std::string& where);

template <class Config>
struct Option {
  const char* key;
  OptionKind kind;
  std::function<void(Config&, const std::string& value, const std::string& where,
                     const OptionBounds& bounds)>
      set;
  std::function<Json(const Config&)> get;
  std::function<std::optional<double>(const Config&)> number;  // numeric rows, unless auto
  std::function<std::string(const Config&)> text;               // text rows
  const char* help;
  OptionBounds bounds;
  std::vector<std::string> choices;  // text rows: the valid values (none listed = any)
  OptionEffect effect = OptionEffect::none;
  bool auto_was_zero = false;  // AutoReal rows: the first release wrote auto as 0 (fingerprint)
  bool is_auto = false;        // an AutoReal row: "auto" is valid too

  // Chainable row properties: option(...).in(0, 1).changes_result().
  Option&& in(double lo, double hi) && { return bound(lo, hi, false, false); }
  Option&& in_half_open(double lo, double hi) && { return bound(lo, hi, false, true); }
  Option&& at_least(double lo) && { return bound(lo, HUGE_VAL, false, false); }
  Option&& above(double lo) && { return bound(lo, HUGE_VAL, true, false); }
  Option&& or_value(double v, std::string meaning) && {
    bounds.special = v;
    bounds.special_meaning = std::move(meaning);
    return std::move(*this);
  }
  Option&& one_of(std::vector<std::string> valid) && {
    choices = std::move(valid);
    return std::move(*this);
  }
  Option&& changes_result() && {
    effect = OptionEffect::result;
    return std::move(*this);
  }
  Option&& changes_result_when_set() && {
    effect = OptionEffect::result_when_set;
    return std::move(*this);
  }
  Option&& fingerprint_auto_as_zero() && {
    auto_was_zero = true;
    return std::move(*this);
  }

  // Throws tunas::Error "<where> must be in [lo, hi], got v" (or the choices) when the value
  // in `config` is outside the row's range.
  void check(const Config& config, const std::string& where) const;
  // The value as the fingerprint spells it (see fingerprint_auto_as_zero).
  Json fingerprint_value(const Config& config) const;

 private:
  Option&& bound(double lo, double hi, bool lo_open, bool hi_open) {
    bounds.lo = lo;
    bounds.hi = hi;
    bounds.lo_open = lo_open;
    bounds.hi_open = hi_open;
    return std::move(*this);
  }
};

// "expected ... in [lo, hi]" for an integer outside its field type: the row's bounds narrowed
// to the type's (no modulo-2^32 wrap).
void require_integer_fits(std::int64_t parsed, std::int64_t type_lo, std::int64_t type_hi,
                          const OptionBounds& bounds, const std::string& where,
                          const std::string& text);
std::string choices_text(const std::vector<std::string>& choices);  // "a, b, c"

// A table row from a field: std::string -> text, bool -> boolean, integral -> integer,
// floating point -> real, AutoReal -> real or "auto".
template <class Config, class T>
Option<Config> option(const char* key, T Config::*field, const char* help) {
  Option<Config> o{key, OptionKind::text, nullptr, nullptr, nullptr, nullptr, help, {}, {}};
  if constexpr (!std::is_same_v<T, AutoReal>)
    o.get = [field](const Config& c) { return Json(c.*field); };
  if constexpr (std::is_same_v<T, std::string>) {
    o.kind = OptionKind::text;
    o.set = [field](Config& c, const std::string& v, const std::string& w, const OptionBounds&) {
      require_utf8(v, w);  // run files (params.json) hold UTF-8 only
      c.*field = v;
    };
    o.text = [field](const Config& c) { return c.*field; };
  } else if constexpr (std::is_same_v<T, bool>) {
    o.kind = OptionKind::boolean;
    o.set = [field](Config& c, const std::string& v, const std::string& w, const OptionBounds&) {
      c.*field = parse_bool_option(v, w);
    };
  } else if constexpr (std::is_same_v<T, AutoReal>) {
    o.kind = OptionKind::real;
    o.is_auto = true;
    o.set = [field](Config& c, const std::string& v, const std::string& w, const OptionBounds&) {
      c.*field = parse_auto_real_option(v, w);
    };
    o.get = [field](const Config& c) { return c.*field ? Json(*(c.*field)) : Json("auto"); };
    o.number = [field](const Config& c) { return c.*field; };
  } else if constexpr (std::is_integral_v<T>) {
    o.kind = OptionKind::integer;
    o.set = [field](Config& c, const std::string& v, const std::string& w, const OptionBounds& b) {
      const std::int64_t parsed = parse_integer_option(v, w);
      const std::int64_t lo = std::is_signed_v<T> ? std::int64_t(std::numeric_limits<T>::min()) : 0;
      const std::int64_t hi = sizeof(T) < sizeof(std::int64_t)
                                  ? std::int64_t(std::numeric_limits<T>::max())
                                  : std::numeric_limits<std::int64_t>::max();
      require_integer_fits(parsed, lo, hi, b, w, v);
      c.*field = static_cast<T>(parsed);
    };
    o.get = [field](const Config& c) { return Json(static_cast<std::int64_t>(c.*field)); };
    o.number = [field](const Config& c) { return std::optional<double>(double(c.*field)); };
  } else {
    static_assert(std::is_floating_point_v<T>, "option fields are string, bool, integer or real");
    o.kind = OptionKind::real;
    o.set = [field](Config& c, const std::string& v, const std::string& w, const OptionBounds&) {
      c.*field = static_cast<T>(parse_real_option(v, w));
    };
    o.number = [field](const Config& c) { return std::optional<double>(double(c.*field)); };
  }
  return o;
}

template <class Config>
void Option<Config>::check(const Config& config, const std::string& where) const {
  if (number && bounds.any()) {
    const std::optional<double> v = number(config);
    if (v) {
      TUNAS_REQUIRE(bounds.contains(*v), where, " must be ",
                    bounds.text(kind == OptionKind::integer), is_auto ? " or auto" : "", ", got ",
                    kind == OptionKind::integer ? str_cat(std::int64_t(*v)) : str_cat(*v));
    }
  }
  if (text && !choices.empty()) {
    const std::string v = text(config);
    bool valid = false;
    for (const std::string& c : choices) valid = valid || c == v;
    TUNAS_REQUIRE(valid, where, " must be one of ", choices_text(choices), ", got '", v, "'");
  }
}

template <class Config>
Json Option<Config>::fingerprint_value(const Config& config) const {
  if (!auto_was_zero) return get(config);
  const std::optional<double> v = number(config);
  return !v ? Json(0.0) : *v == 0.0 ? Json("0") : Json(*v);
}

// A sub-command of a tool (tunas_arch info, tunas_profile validate): the table keys it takes
// and those it needs. `usage` is its synopsis for --help.
struct OptionCommand {
  std::string name;
  std::vector<std::string> keys;
  std::vector<std::string> required;
  std::string usage;
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
// needs_value(key) tells whether a flag without '=' takes the next argument; it returns -1 for
// an unknown key (which throws unknown(name), name as typed), 0 for a boolean, 1 for a valued
// option. Arguments before `first` (the program, a sub-command) are not scanned. A key in
// `positional` may be given once as a bare argument (tunas_report RUN_DIR).
ScannedFlags scan_flags(int argc, char** argv,
                        const std::function<int(const std::string& key)>& needs_value,
                        const std::vector<std::pair<std::string, std::string>>& aliases,
                        int first = 1,
                        const std::function<std::string(const std::string& name)>& unknown = {},
                        const std::string& positional = "");

// "  --flag N                   text" wrapped at 100 columns under the text's column.
std::string help_row(const std::string& flag, const std::string& text);
// The "options:" part of a --help text: "--config FILE", one line per row, "--help".
std::string option_help_block(const std::string& rows);
// The exit-status paragraph of the run tools (tunas_search, tunas_train).
extern const char* const kRunToolExitStatus;

template <class Config>
class OptionTable {
 public:
  explicit OptionTable(std::vector<Option<Config>> options,
                       std::vector<OptionCommand> commands = {})
      : options_(std::move(options)), commands_(std::move(commands)) {}

  const std::vector<Option<Config>>& options() const { return options_; }
  const std::vector<OptionCommand>& commands() const { return commands_; }

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
      apply(*o, updated, e.value, e.where);
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
                   std::vector<std::string>* given_keys = nullptr) const {
    const ScannedFlags scanned = scan_flags(argc, argv, needs_value(nullptr), aliases);
    if (scanned.help) {
      std::fputs(usage.c_str(), stdout);
      return false;
    }
    apply_scanned(config, scanned, given_keys);
    if (config_file) *config_file = scanned.config_file;
    return true;
  }

  // A tool without sub-commands (the benchmarks, tunas_report): parse_flags with the usage
  // `about` followed by every option. Returns false on --help.
  // `positional` names a key that may also be given as a bare argument.
  bool parse_tool(Config& config, int argc, char** argv, const std::string& about,
                  const std::string& positional = "") const {
    const ScannedFlags scanned =
        scan_flags(argc, argv, needs_value(nullptr), {}, 1, {}, positional);
    if (scanned.help) {
      std::fputs((about + "\noptions:\n" + option_help_block(help_lines())).c_str(), stdout);
      return false;
    }
    apply_scanned(config, scanned, nullptr);
    return true;
  }

  // The command argv names: argv[1], or `default_command` when argv[1] is an option (or absent).
  std::string command_of(int argc, char** argv, const std::string& default_command = "") const {
    if (argc > 1 && (default_command.empty() || std::string(argv[1]).rfind("--", 0) != 0))
      return argv[1];
    return default_command;
  }

  // For a table with commands: argv[1] names the command (or, when `default_command` is
  // given, a first argument starting with "--" selects it); only that command's keys are
  // valid and its required ones must be given. Returns the command, or "" on --help/-h/help
  // anywhere (prints `usage`).
  std::string parse_command(Config& config, int argc, char** argv, const std::string& usage,
                            const std::string& default_command = "") const {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--help" || a == "-h" || a == "help") {
        std::fputs(usage.c_str(), stdout);
        return "";
      }
    }
    const std::string name = command_of(argc, argv, default_command);
    const int first = argc > 1 && name == argv[1] ? 2 : 1;
    TUNAS_REQUIRE(!name.empty(), "missing command (", command_names(), "); see --help");
    const OptionCommand* command = nullptr;
    for (const OptionCommand& c : commands_)
      if (c.name == name) command = &c;
    TUNAS_REQUIRE(command != nullptr, "unknown command '", name, "' (valid: ", command_names(),
                  "; see --help)");
    const ScannedFlags scanned = scan_flags(
        argc, argv, needs_value(command), {}, first, [&](const std::string& flag) {
          std::string valid;
          for (const std::string& k : command->keys)
            valid += (valid.empty() ? "" : ", ") + option_flag_name(k);
          return str_cat("unknown option --", flag, " for '", name, "' (valid: ", valid, ")");
        });
    std::vector<std::string> given;
    apply_scanned(config, scanned, &given);
    for (const std::string& key : command->required) {
      bool found = false;
      for (const std::string& g : given) found = found || g == key;
      TUNAS_REQUIRE(found, "command '", name, "' needs ", option_flag_name(key), " (see --help)");
    }
    return name;
  }

  // "  --flag N                   help; in [lo, hi]" lines, one per option (of `keys` when
  // given, in the table's order).
  std::string help_lines(const std::vector<std::string>& keys = {}) const {
    std::string out;
    for (const auto& o : options_) {
      bool listed = keys.empty();
      for (const std::string& k : keys) listed = listed || k == o.key;
      if (!listed) continue;
      std::string flag = option_flag_name(o.key);
      if (o.kind != OptionKind::boolean) flag += o.kind == OptionKind::text ? " S" : " N";
      std::string text = o.help;
      if (o.bounds.any()) text += "; " + o.bounds.text(o.kind == OptionKind::integer);
      if (!o.choices.empty()) text += "; one of " + choices_text(o.choices);
      out += help_row(flag, text);
    }
    return out;
  }

  // Checks every row's range and choices against `config` (flags named --key).
  void check(const Config& config) const {
    for (const auto& o : options_) o.check(config, option_flag_name(o.key));
  }

  // The settings that change the result (see OptionEffect) as one JSON object.
  Json fingerprint(const Config& config) const {
    const Config defaults{};
    Json j = Json::object();
    for (const auto& o : options_) {
      if (o.effect == OptionEffect::none) continue;
      if (o.effect == OptionEffect::result_when_set &&
          json_line(o.get(config)) == json_line(o.get(defaults)))
        continue;
      j[o.key] = o.fingerprint_value(config);
    }
    return j;
  }

  // "--steps (run: 100, now: 200), ..." for each result-changing key of `given` whose value
  // differs between the two configs; "" when none does. --resume refuses such changes.
  std::string resume_conflicts(const Config& run, const Config& now,
                               const std::vector<std::string>& given) const {
    std::string out;
    for (const auto& o : options_) {
      bool was_given = false;
      for (const std::string& g : given) was_given = was_given || g == o.key;
      if (!was_given || o.effect == OptionEffect::none) continue;
      const std::string was = json_line(o.get(run)), is = json_line(o.get(now));
      if (was != is)
        out += (out.empty() ? "" : ", ") + option_flag_name(o.key) + " (run: " + was +
               ", now: " + is + ")";
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
  void apply(const Option<Config>& o, Config& config, const std::string& value,
             const std::string& where) const {
    o.set(config, value, where, o.bounds);
    o.check(config, where);
  }

  // -1 unknown (or not a key of `command`), 0 boolean, 1 valued.
  std::function<int(const std::string&)> needs_value(const OptionCommand* command) const {
    return [this, command](const std::string& key) {
      const Option<Config>* o = find(key);
      bool allowed = command == nullptr;
      if (command)
        for (const std::string& k : command->keys) allowed = allowed || k == key;
      return o == nullptr || !allowed ? -1 : (o->kind == OptionKind::boolean ? 0 : 1);
    };
  }

  void apply_scanned(Config& config, const ScannedFlags& scanned,
                     std::vector<std::string>* given_keys) const {
    Config updated = config;
    std::vector<std::string> given;
    if (!scanned.config_file.empty()) apply_file(updated, scanned.config_file, {}, &given);
    for (const auto& f : scanned.flags) {
      apply(*find(f.key), updated, f.value, f.where);
      given.push_back(f.key);
    }
    config = updated;
    if (given_keys) *given_keys = std::move(given);
  }

  std::string command_names() const {
    std::string s;
    for (const OptionCommand& c : commands_) s += (s.empty() ? "" : ", ") + c.name;
    return s;
  }

  std::vector<Option<Config>> options_;
  std::vector<OptionCommand> commands_;
};

}  // namespace tunas
