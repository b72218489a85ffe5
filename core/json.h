// JSON for the files tunas-cpp writes and reads (params.json, log.jsonl, result.json,
// final_architecture.json, latency tables, the Pixel-1 weights), on nlohmann-json.
//
// Writing: tunas::Json is nlohmann::json. Objects keep keys sorted, like the original's
// params.json (spec §7.1); dump(indent) pretty-prints files, NaN and infinities print as null.
// json_line() is the one-line spelling that settings fingerprints (stored in checkpoints) and
// log.jsonl records have always had; keep using it there so older runs still resume
// (dump() without an indent is nlohmann's compact {"a":1}, which no stored fingerprint matches).
//
// Reading: parse_json() / read_json_file() turn nlohmann's parse errors into tunas::Error
// naming the file, line, column and byte; JsonField reads typed values and names the field
// (entries[3].median_ms) when one is missing or of another type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace tunas {

using Json = nlohmann::json;
// A parsed file: members stay in file order, so listings in messages follow the file.
using JsonDocument = nlohmann::ordered_json;

// JSON text holds UTF-8 only. Where the bytes of `text` stop being UTF-8 (an overlong or
// truncated sequence, a surrogate, a code point past U+10FFFF): "byte 0xff at line 3, column 7"
// (or "at offset 3" for one-line text); empty when all of it is UTF-8.
std::string utf8_error(std::string_view text);
// Throws "<where>: not UTF-8 text (<utf8_error>)" unless `text` is UTF-8. For every string the
// run files will hold (paths, names, an embedded space YAML), checked where it is read. The
// parts of `where` are joined (str_cat) only when the text is refused: a reader checks every
// line or name, and most of them pass.
[[noreturn]] void throw_not_utf8(const std::string& where, const std::string& error);
template <typename... Where>
void require_utf8(std::string_view text, const Where&... where) {
  if (std::string error = utf8_error(text); !error.empty()) throw_not_utf8(str_cat(where...), error);
}

// dump(indent) for the files tunas-cpp writes; a string that is not UTF-8 is an Error that
// names `origin` (the file) and the field ("out", "entries[3].name"), never nlohmann's
// type_error.
std::string json_text(const Json& value, int indent, const std::string& origin);

// One line, ", " and ": " between items; doubles in their shortest round-trip form with a
// ".0" on whole numbers ({"a": 1, "b": [0.5, 2.0]}).
std::string json_line(const Json& value);

// `text` parsed; `origin` (a path) names it in errors.
JsonDocument parse_json(std::string_view text, const std::string& origin);
JsonDocument read_json_file(const std::string& path);

// A value inside a parsed document with the path that names it: yaml-cpp-like reading
// (field["key"][0].as<int>()) whose errors say "<origin>: <path>: ...". It points into the
// document, which must outlive it.
class JsonField {
 public:
  JsonField(const JsonDocument& root, std::string origin) : value_(&root), origin_(std::move(origin)) {}

  // A member or element; absent ones are allowed until read (test with `if (field)`).
  JsonField operator[](std::string_view key) const;
  JsonField operator[](std::size_t index) const;
  explicit operator bool() const { return value_ != nullptr && !value_->is_null(); }

  bool is_object() const { return value_ && value_->is_object(); }
  bool is_array() const { return value_ && value_->is_array(); }
  std::size_t size() const { return value_ && (is_object() || is_array()) ? value_->size() : 0; }
  std::vector<std::string> keys() const;  // an object's member names; none when absent
  const JsonDocument& json() const;  // the value itself; an Error when absent
  const std::string& path() const { return path_; }

  // Strictly typed: integers must be whole JSON numbers in T's range, strings strings, etc.
  template <typename T>
  T as() const;

  // "<origin>: <path>: <message>" (no origin when it is empty), for checks the caller makes on a value it has read.
  [[noreturn]] void fail(const std::string& message) const;

 private:
  JsonField(const JsonDocument* value, std::string origin, std::string path)
      : value_(value), origin_(std::move(origin)), path_(std::move(path)) {}
  std::int64_t as_integer(std::int64_t lo, std::int64_t hi) const;

  const JsonDocument* value_;
  std::string origin_;
  std::string path_;
};

template <typename T>
T JsonField::as() const {
  const JsonDocument& v = json();
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) fail(str_cat("expected true or false, got ", v.type_name()));
    return v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    static_assert(sizeof(T) <= sizeof(std::int64_t));
    const auto hi = std::is_signed_v<T> || sizeof(T) < sizeof(std::int64_t)
                        ? std::int64_t(std::numeric_limits<T>::max())
                        : std::numeric_limits<std::int64_t>::max();
    return T(as_integer(std::int64_t(std::numeric_limits<T>::min()), hi));
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) fail(str_cat("expected a number, got ", v.type_name()));
    return v.get<T>();
  } else {
    static_assert(std::is_same_v<T, std::string>, "JsonField::as<T>: bool, integer, float or string");
    if (!v.is_string()) fail(str_cat("expected a string, got ", v.type_name()));
    return v.get<std::string>();
  }
}

}  // namespace tunas
