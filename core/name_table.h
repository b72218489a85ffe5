// A table of (spelling, value) pairs expanded from an X-macro list (core/activation.h,
// search_spaces/layer_kind.h): the lookup by spelling and the "valid values" list of error
// messages, written once.
#pragma once

#include <cstddef>
#include <string>

namespace tunas {

template <typename Value>
struct NamedValue {
  const char* name;
  Value value;
};

// Sets `value` to the entry spelled `name`; false (value untouched) when there is none.
template <typename Value, std::size_t N>
bool find_named_value(const NamedValue<Value> (&table)[N], const std::string& name, Value& value) {
  for (const NamedValue<Value>& entry : table) {
    if (name == entry.name) {
      value = entry.value;
      return true;
    }
  }
  return false;
}

// "a, b, c" in table order.
template <typename Value, std::size_t N>
std::string joined_names(const NamedValue<Value> (&table)[N]) {
  std::string out;
  for (const NamedValue<Value>& entry : table) {
    if (!out.empty()) out += ", ";
    out += entry.name;
  }
  return out;
}

}  // namespace tunas
