#include "run/option_table.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/files.h"

namespace tunas {

double parse_real_option(const std::string& text, const std::string& where) {
  double v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  auto [p, ec] = std::from_chars(b, e, v);
  TUNAS_REQUIRE(ec == std::errc() && p == e && std::isfinite(v), where, ": expected a number, got '",
                text, "'");
  return v;
}

AutoReal parse_auto_real_option(const std::string& text, const std::string& where) {
  if (text == "auto") return std::nullopt;
  double v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  auto [p, ec] = std::from_chars(b, e, v);
  TUNAS_REQUIRE(ec == std::errc() && p == e && std::isfinite(v), where,
                ": expected a number or auto, got '", text, "'");
  return v;
}

std::int64_t parse_integer_option(const std::string& text, const std::string& where) {
  std::int64_t v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  auto [p, ec] = std::from_chars(b, e, v);
  TUNAS_REQUIRE(ec != std::errc::result_out_of_range, where, ": ", text,
                " is out of range (a 64-bit integer)");
  TUNAS_REQUIRE(ec == std::errc() && p == e, where, ": expected an integer, got '", text, "'");
  return v;
}

namespace {
bool is_bool_literal(const std::string& text) {
  for (const char* word : {"true", "false", "1", "0", "yes", "no", "on", "off"})
    if (text == word) return true;
  return false;
}
}  // namespace

bool parse_bool_option(const std::string& text, const std::string& where) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  throw Error(str_cat(where, ": expected true or false, got '", text, "'"));
}

bool OptionBounds::contains(double v) const {
  if (special && v == *special) return true;
  return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
}

std::string OptionBounds::text(bool integer) const {
  auto number = [integer](double v) {
    return integer ? str_cat(static_cast<std::int64_t>(v)) : str_cat(v);
  };
  std::string s;
  if (hi == HUGE_VAL) {
    s = str_cat(lo_open ? "> " : ">= ", number(lo));
  } else if (lo == -HUGE_VAL) {
    s = str_cat(hi_open ? "< " : "<= ", number(hi));
  } else {
    s = str_cat("in ", lo_open ? "(" : "[", number(lo), ", ", number(hi), hi_open ? ")" : "]");
  }
  if (special) s += str_cat(" (or ", number(*special), " ", special_meaning, ")");
  return s;
}

void require_integer_fits(std::int64_t parsed, std::int64_t type_lo, std::int64_t type_hi,
                          const OptionBounds& bounds, const std::string& where,
                          const std::string& text) {
  if (parsed >= type_lo && parsed <= type_hi) return;
  // The row's bounds narrowed to the field type's, so the message names what is valid.
  const std::int64_t lo =
      bounds.lo > double(type_lo) ? std::int64_t(std::ceil(bounds.lo)) + bounds.lo_open : type_lo;
  const std::int64_t hi =
      bounds.hi < double(type_hi) ? std::int64_t(std::floor(bounds.hi)) - bounds.hi_open : type_hi;
  throw Error(str_cat(where, " must be in [", lo, ", ", hi, "], got ", text, " (out of range)"));
}

std::string choices_text(const std::vector<std::string>& choices) {
  std::string s;
  for (const std::string& c : choices) s += (s.empty() ? "" : ", ") + c;
  return s;
}

std::string help_row(const std::string& flag, const std::string& text) {
  constexpr std::size_t kTextColumn = 29, kWidth = 100;
  std::string out = "  " + flag;
  out.resize(std::max(out.size() + 1, kTextColumn), ' ');
  std::size_t column = out.size();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    // A range "[0, 1e+06]" stays on one line.
    if (end != std::string::npos && end > start && text[end - 1] == ',' &&
        (text[start] == '[' || text[start] == '('))
      end = text.find(' ', end + 1);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (column > kTextColumn && column + 1 + word.size() > kWidth) {
      out += "\n" + std::string(kTextColumn, ' ');
      column = kTextColumn;
    } else if (column > kTextColumn && out.back() != ' ') {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    start = end + 1;
  }
  return out + "\n";
}

std::string option_help_block(const std::string& rows) {
  return "  --config FILE              YAML file of options\n" + rows +
         "  --help                     this text\n";
}

const char* const kRunToolExitStatus =
    "Exit status: 0 done, 1 bad input or a failed run (message on stderr), 130 interrupted\n"
    "(a checkpoint was saved; continue with --resume --out DIR), 2 internal error (a bug).\n";

std::string option_flag_name(const std::string& key) {
  std::string f = key;
  for (char& c : f)
    if (c == '_') c = '-';
  return "--" + f;
}

namespace {

// Records where documents start; builds nothing.
struct DocumentStarts : YAML::EventHandler {
  std::vector<int> lines;
  void OnDocumentStart(const YAML::Mark& mark) override { lines.push_back(mark.line + 1); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// The line where a second YAML document starts, 0 when there is none. At most two documents
// are parsed: yaml-cpp's LoadAll loops forever on some malformed input (",\ns"; found by
// fuzz/fuzz_config, yaml-cpp PR #1319).
int second_document_start(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  for (int d = 0; d < 2 && parser.HandleNextDocument(starts); ++d) {
  }
  return starts.lines.size() > 1 ? starts.lines[1] : 0;
}

}  // namespace

std::vector<ConfigEntry> read_config_entries(const std::string& path,
                                             const std::vector<std::string>& skip) {
  std::error_code ec;
  TUNAS_REQUIRE(!std::filesystem::is_directory(path, ec), "config file ", path,
                " is a directory, not a YAML file");
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error& e) {
    throw Error(str_cat("cannot read config file ", path, " (", e.what(), ")"));
  }
  YAML::Node root;
  int second_document_line = 0;
  try {
    root = YAML::Load(text);
    second_document_line = second_document_start(text);
  } catch (const YAML::Exception& e) {
    throw Error(str_cat(path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": malformed YAML: ", e.msg));
  }
  std::vector<ConfigEntry> entries;
  TUNAS_REQUIRE(second_document_line == 0, path, ":", second_document_line,
                ": a second YAML document ('---'); a config file holds one mapping");
  if (root.IsNull()) return entries;
  TUNAS_REQUIRE(root.IsMap(), path, ":", root.Mark().line + 1,
                ": a config file must be a mapping of option: value");
  std::map<std::string, int> first_line;
  for (const auto& item : root) {
    ConfigEntry e;
    TUNAS_REQUIRE(item.first.IsScalar(), path, ":", item.first.Mark().line + 1,
                  ": a key must be an option name, got a list or mapping");
    e.key = item.first.Scalar();
    const int line = item.first.Mark().line + 1;
    const auto [seen, fresh] = first_line.emplace(e.key, line);
    TUNAS_REQUIRE(fresh, path, ":", line, ": duplicate key '", e.key, "' (first at line ",
                  seen->second, ")");
    bool skipped = false;
    for (const auto& k : skip) skipped = skipped || k == e.key;
    if (skipped) continue;
    e.line = item.first.Mark().line + 1;
    e.where = str_cat(path, ":", e.line, ": ", e.key);
    TUNAS_REQUIRE(e.key != "config", e.where, ": a config file cannot include another");
    TUNAS_REQUIRE(item.second.IsScalar() || item.second.IsNull(), e.where,
                  ": expected a single value, got a list or mapping");
    e.value = item.second.IsNull() ? std::string() : item.second.Scalar();
    entries.push_back(std::move(e));
  }
  return entries;
}

ScannedFlags scan_flags(int argc, char** argv,
                        const std::function<int(const std::string& key)>& needs_value,
                        const std::vector<std::pair<std::string, std::string>>& aliases,
                        int first, const std::function<std::string(const std::string&)>& unknown,
                        const std::string& positional) {
  ScannedFlags out;
  bool positional_given = false;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      return out;
    }
    if (!positional.empty() && !positional_given && arg.rfind("--", 0) != 0) {
      out.flags.push_back({positional, arg, "argument '" + arg + "'"});
      positional_given = true;
      continue;
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
    for (const auto& [alias, target] : aliases)
      if (key == alias) key = target;
    if (key == "config") {
      if (!has_value) {
        TUNAS_REQUIRE(i + 1 < argc, "--config needs a file");
        value = argv[++i];
        TUNAS_REQUIRE(value.rfind("--", 0) != 0, "--config needs a file, got the option '", value,
                      "'");
      }
      out.config_file = value;
      continue;
    }
    const int kind = needs_value(key);
    if (kind < 0 && unknown) throw Error(unknown(name));
    TUNAS_REQUIRE(kind >= 0, "unknown option '--", name, "' (see --help)");
    if (!has_value && kind == 1) {
      TUNAS_REQUIRE(i + 1 < argc, "option --", name, " needs a value");
      value = argv[++i];
      has_value = true;
      // "--out --quiet" is a forgotten value, not a directory named --quiet.
      TUNAS_REQUIRE(value.rfind("--", 0) != 0, "option --", name, " needs a value, got the option '",
                    value, "' (write --", name, "=", value, " if that is the value)");
    }
    // "--proxy 0": a boolean takes a following true/false/1/0/yes/no/on/off as its value.
    if (!has_value && kind == 0 && i + 1 < argc && is_bool_literal(argv[i + 1])) {
      value = argv[++i];
      has_value = true;
    }
    if (!has_value) value = "true";
    out.flags.push_back({key, value, "option --" + name});
  }
  return out;
}

}  // namespace tunas
