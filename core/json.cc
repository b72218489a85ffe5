#include "core/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/files.h"

namespace tunas {

namespace {

void append_line(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::object: {
      out += '{';
      const char* sep = "";
      for (const auto& [key, item] : v.items()) {
        out += sep;
        append_line(out, Json(key));
        out += ": ";
        append_line(out, item);
        sep = ", ";
      }
      out += '}';
      break;
    }
    case Json::value_t::array: {
      out += '[';
      const char* sep = "";
      for (const Json& item : v) {
        out += sep;
        append_line(out, item);
        sep = ", ";
      }
      out += ']';
      break;
    }
    case Json::value_t::number_float: {
      // std::to_chars, not nlohmann's format: fingerprints stored by earlier releases spell
      // 0.0003 as 3e-04, and a checkpoint compares them as text.
      const double d = v.get<double>();
      if (!std::isfinite(d)) {
        out += "null";
        break;
      }
      char buf[32];
      const auto res = std::to_chars(buf, buf + sizeof buf, d);
      const std::string_view text(buf, std::size_t(res.ptr - buf));
      out += text;
      if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
      break;
    }
    default:  // strings, integers, booleans and null: nlohmann's spelling is the same
      out += v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

// nlohmann's parse_error text after its "[json.exception.parse_error.N] parse error at line L,
// column C: " prefix (line and column are given separately).
std::string_view parse_error_reason(std::string_view what) {
  const auto column = what.find("column ");
  const auto colon = what.find(": ", column == std::string_view::npos ? 0 : column);
  return colon == std::string_view::npos ? what : what.substr(colon + 2);
}

}  // namespace

std::string utf8_error(std::string_view text) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned c = b[i];
    // Sequence length and the range of the second byte (Unicode Table 3-7).
    int len = 1;
    unsigned lo = 0x80, hi = 0xbf;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;  // up to U+10FFFF
    } else {
      len = 0;
    }
    bool ok = len > 0 && i + std::size_t(len) <= n;
    for (int k = 1; ok && k < len; ++k) {
      const unsigned t = b[i + std::size_t(k)];
      ok = k == 1 ? (t >= lo && t <= hi) : (t >= 0x80 && t <= 0xbf);
    }
    if (!ok) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02x", c);
      if (text.find('\n') == std::string_view::npos) return str_cat("byte ", byte, " at offset ", i);
      const std::size_t line_start = text.rfind('\n', i == 0 ? 0 : i - 1);
      const std::size_t line = 1 + std::size_t(std::count(text.begin(), text.begin() + std::ptrdiff_t(i), '\n'));
      const std::size_t column = line_start == std::string_view::npos || i == 0 ? i + 1 : i - line_start;
      return str_cat("byte ", byte, " at line ", line, ", column ", column);
    }
    i += std::size_t(len);
  }
  return "";
}

void throw_not_utf8(const std::string& where, const std::string& error) {
  throw Error(str_cat(where, ": not UTF-8 text (", error,
                      "); run files are JSON, which holds UTF-8 only"));
}

namespace {
// The path of the first string (key or value) in `v` that is not UTF-8, e.g. "entries[3].name".
std::string first_non_utf8(const Json& v, const std::string& path) {
  if (v.is_string()) return utf8_error(v.get_ref<const std::string&>()).empty() ? "" : path;
  if (v.is_object()) {
    for (const auto& [key, item] : v.items()) {
      const std::string item_path = path.empty() ? key : str_cat(path, ".", key);
      if (!utf8_error(key).empty()) return item_path;
      const std::string found = first_non_utf8(item, item_path);
      if (!found.empty()) return found;
    }
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string found = first_non_utf8(v[i], str_cat(path, "[", i, "]"));
      if (!found.empty()) return found;
    }
  }
  return "";
}
}  // namespace

std::string json_text(const Json& value, int indent, const std::string& origin) {
  try {
    return value.dump(indent);
  } catch (const Json::type_error&) {
    const std::string field = first_non_utf8(value, "");
    throw Error(str_cat(origin, ": field '", field.empty() ? "?" : field,
                        "' is not UTF-8 text; run files are JSON, which holds UTF-8 only"));
  }
}

std::string json_line(const Json& value) {
  std::string out;
  append_line(out, value);
  return out;
}

namespace {
// "line:column" of byte offset `at` (from 0) in `text`, both counted from 1.
std::string line_and_column(std::string_view text, std::size_t at) {
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < at; ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  return str_cat(line, ":", at - line_start + 1);
}
}  // namespace

JsonDocument parse_json(std::string_view text, const std::string& origin) {
  try {
    return JsonDocument::parse(text);
  } catch (const JsonDocument::parse_error& e) {
    // e.byte counts from 1 and points at the character that failed; line and column from it.
    const std::size_t at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    throw Error(str_cat(origin, ":", line_and_column(text, at), ": malformed JSON (byte ", e.byte,
                        "): ", parse_error_reason(e.what())));
  } catch (const JsonDocument::out_of_range& e) {
    // A number beyond double's range ("1e999", error 406): nlohmann names the token, not its
    // place, so the place is the token's first occurrence in the text.
    const std::string_view what = e.what();
    const std::size_t bracket = what.find("] "), open = what.find('\''), close = what.rfind('\'');
    const std::string_view reason =
        bracket == std::string_view::npos ? what : what.substr(bracket + 2);
    const std::size_t at = open < close ? text.find(what.substr(open + 1, close - open - 1))
                                        : std::string_view::npos;
    if (at == std::string_view::npos) throw Error(str_cat(origin, ": malformed JSON: ", reason));
    throw Error(str_cat(origin, ":", line_and_column(text, at), ": malformed JSON (byte ", at + 1,
                        "): ", reason, " (beyond the range of a double)"));
  }
}

JsonDocument read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

JsonField JsonField::operator[](std::string_view key) const {
  const std::string path = path_.empty() ? std::string(key) : str_cat(path_, ".", key);
  if (!value_ || !value_->is_object()) return JsonField(nullptr, origin_, path);
  const auto it = value_->find(key);
  return JsonField(it == value_->end() ? nullptr : &*it, origin_, path);
}

JsonField JsonField::operator[](std::size_t index) const {
  const std::string path = str_cat(path_, "[", index, "]");
  const bool present = value_ && value_->is_array() && index < value_->size();
  return JsonField(present ? &(*value_)[index] : nullptr, origin_, path);
}

const JsonDocument& JsonField::json() const {
  if (!value_) fail("missing");
  return *value_;
}

std::vector<std::string> JsonField::keys() const {
  std::vector<std::string> names;
  if (is_object())
    for (const auto& item : value_->items()) names.push_back(item.key());
  return names;
}

void JsonField::fail(const std::string& message) const {
  throw Error(str_cat(origin_, origin_.empty() ? "" : ": ", path_.empty() ? "the document" : path_,
                      ": ", message));
}

std::int64_t JsonField::as_integer(std::int64_t lo, std::int64_t hi) const {
  const JsonDocument& v = json();
  if (!v.is_number_integer()) fail(str_cat("expected a whole number, got ", v.is_number() ? v.dump() : v.type_name()));
  const bool in_range = v.is_number_unsigned() ? v.get<std::uint64_t>() <= std::uint64_t(hi)
                                               : v.get<std::int64_t>() >= lo && v.get<std::int64_t>() <= hi;
  if (!in_range) fail(str_cat(v.dump(), " is out of range [", lo, ", ", hi, "]"));
  return v.get<std::int64_t>();
}

}  // namespace tunas
