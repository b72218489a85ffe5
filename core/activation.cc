#include "core/activation.h"

#include "core/name_table.h"

namespace tunas {
namespace {

// The spellings a space file may use, in list order (none is not one).
constexpr NamedValue<Activation> kSpellings[] = {
#define TUNAS_ACTIVATION_ENTRY(id, value, spelling) {spelling, Activation::id},
    TUNAS_ACTIVATIONS(TUNAS_ACTIVATION_ENTRY)
#undef TUNAS_ACTIVATION_ENTRY
};

}  // namespace

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::none: return "none";
#define TUNAS_ACTIVATION_CASE(id, value, spelling) \
  case Activation::id: return spelling;
      TUNAS_ACTIVATIONS(TUNAS_ACTIVATION_CASE)
#undef TUNAS_ACTIVATION_CASE
  }
  return "?";
}

bool find_activation(const std::string& spelling, Activation& activation) {
  return find_named_value(kSpellings, spelling, activation);
}

const std::string& activation_spellings() {
  static const std::string list = joined_names(kSpellings);
  return list;
}

}  // namespace tunas
