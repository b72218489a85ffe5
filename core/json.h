// A small JSON value for the files tunas-cpp writes (params.json, log.jsonl,
// final_architecture.json, benchmark rows). Objects keep keys sorted (std::map), like the
// original's params.json (spec §7.1). Reading JSON is done with yaml-cpp (JSON is YAML).
//
// Numbers: integers print exactly; doubles print in the shortest form that reads back to
// the same double; NaN and infinities print as null (JSON has no spelling for them).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tunas {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json, std::less<>>;

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool b) : value_(b) {}
  Json(int i) : value_(std::int64_t(i)) {}
  Json(long i) : value_(std::int64_t(i)) {}
  Json(long long i) : value_(std::int64_t(i)) {}
  Json(unsigned i) : value_(std::int64_t(i)) {}
  Json(unsigned long i) : value_(std::int64_t(i)) {}
  Json(unsigned long long i) : value_(std::int64_t(i)) {}
  Json(double d) : value_(d) {}
  Json(float d) : value_(double(d)) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(std::string s) : value_(std::move(s)) {}
  Json(std::string_view s) : value_(std::string(s)) {}
  Json(Array a) : value_(std::move(a)) {}
  Json(Object o) : value_(std::move(o)) {}
  template <typename T>
  Json(const std::vector<T>& v) : value_(Array(v.begin(), v.end())) {}

  static Json object() { return Json(Object{}); }
  static Json array() { return Json(Array{}); }

  // Object access; converts a null into an empty object.
  Json& operator[](std::string_view key);
  // Array append; converts a null into an empty array.
  void push_back(Json v);

  bool is_null() const { return std::holds_alternative<std::monostate>(value_); }
  bool is_object() const { return std::holds_alternative<Object>(value_); }
  bool is_array() const { return std::holds_alternative<Array>(value_); }

  // indent < 0: one line; otherwise pretty-printed with that many spaces per level.
  std::string dump(int indent = -1) const;

 private:
  void dump_to(std::string& out, int indent, int depth) const;
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> value_;
};

// JSON string literal with escapes, including the quotes.
std::string json_quote(std::string_view s);

}  // namespace tunas
