#include "search_spaces/layer_kind.h"

#include "core/name_table.h"

namespace tunas::spaces {
namespace {

constexpr NamedValue<LayerKind> kSpellings[] = {
#define TUNAS_LAYER_KIND_ENTRY(id, spelling, fields) {spelling, LayerKind::id},
    TUNAS_LAYER_KINDS(TUNAS_LAYER_KIND_ENTRY)
#undef TUNAS_LAYER_KIND_ENTRY
};

}  // namespace

const char* layer_kind_name(LayerKind kind) {
  switch (kind) {
#define TUNAS_LAYER_KIND_NAME(id, spelling, fields) \
  case LayerKind::id: return spelling;
    TUNAS_LAYER_KINDS(TUNAS_LAYER_KIND_NAME)
#undef TUNAS_LAYER_KIND_NAME
  }
  return "?";
}

bool layer_kind_has_fields(LayerKind kind) {
  switch (kind) {
#define TUNAS_LAYER_KIND_FIELDS(id, spelling, fields) \
  case LayerKind::id: return fields;
    TUNAS_LAYER_KINDS(TUNAS_LAYER_KIND_FIELDS)
#undef TUNAS_LAYER_KIND_FIELDS
  }
  return false;
}

bool find_layer_kind(const std::string& spelling, LayerKind& kind) {
  return find_named_value(kSpellings, spelling, kind);
}

const std::string& layer_kind_spellings() {
  static const std::string list = joined_names(kSpellings);
  return list;
}

}  // namespace tunas::spaces
