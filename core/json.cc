#include "core/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tunas {

Json& Json::operator[](std::string_view key) {
  if (is_null()) value_ = Object{};
  auto& obj = std::get<Object>(value_);
  auto it = obj.find(key);
  if (it == obj.end()) it = obj.emplace(std::string(key), Json()).first;
  return it->second;
}

void Json::push_back(Json v) {
  if (is_null()) value_ = Array{};
  std::get<Array>(value_).push_back(std::move(v));
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
  }
  out += '"';
  return out;
}

static void newline(std::string& out, int indent, int depth) {
  if (indent < 0) return;
  out += '\n';
  out.append(std::size_t(indent) * depth, ' ');
}

void Json::dump_to(std::string& out, int indent, int depth) const {
  if (std::holds_alternative<std::monostate>(value_)) {
    out += "null";
  } else if (auto b = std::get_if<bool>(&value_)) {
    out += *b ? "true" : "false";
  } else if (auto i = std::get_if<std::int64_t>(&value_)) {
    out += std::to_string(*i);
  } else if (auto d = std::get_if<double>(&value_)) {
    if (!std::isfinite(*d)) {
      out += "null";
    } else {
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, *d);
      std::string_view text(buf, res.ptr - buf);
      out += text;
      // keep doubles recognisable as floats ("1.0", not "1")
      if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
    }
  } else if (auto s = std::get_if<std::string>(&value_)) {
    out += json_quote(*s);
  } else if (auto a = std::get_if<Array>(&value_)) {
    out += '[';
    for (std::size_t k = 0; k < a->size(); ++k) {
      if (k) out += indent < 0 ? ", " : ",";
      newline(out, indent, depth + 1);
      (*a)[k].dump_to(out, indent, depth + 1);
    }
    if (!a->empty()) newline(out, indent, depth);
    out += ']';
  } else if (auto o = std::get_if<Object>(&value_)) {
    out += '{';
    bool first = true;
    for (const auto& [key, v] : *o) {
      if (!first) out += indent < 0 ? ", " : ",";
      first = false;
      newline(out, indent, depth + 1);
      out += json_quote(key);
      out += ": ";
      v.dump_to(out, indent, depth + 1);
    }
    if (!o->empty()) newline(out, indent, depth);
    out += '}';
  }
}

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

}  // namespace tunas
