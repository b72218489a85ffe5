#include "policy/decision_spec.h"

#include "core/error.h"

namespace tunas::policy {

const char* decision_tag_name(DecisionTag tag) {
  switch (tag) {
    case DecisionTag::op: return "op";
    case DecisionTag::filters: return "filters";
    case DecisionTag::other: return "other";
  }
  return "?";
}

DecisionTag parse_decision_tag(std::string_view name) {
  for (DecisionTag tag : {DecisionTag::op, DecisionTag::filters, DecisionTag::other}) {
    if (name == decision_tag_name(tag)) return tag;
  }
  throw Error(str_cat("unknown decision tag '", name, "'; valid tags: op, filters, other"));
}

void validate_decisions(std::span<const DecisionSpec> decisions) {
  const int count = int(decisions.size());
  for (int i = 0; i < count; ++i) {
    const DecisionSpec& d = decisions[i];
    const auto where = [&] { return str_cat("decision ", i, " ('", d.path, "'): "); };
    TUNAS_REQUIRE(d.num_choices >= 1, where(), "num_choices must be >= 1, got ", d.num_choices);
    TUNAS_REQUIRE(d.largest_choice >= 0 && d.largest_choice < d.num_choices, where(),
                  "largest_choice must be in [0, ", d.num_choices, "), got ", d.largest_choice);
    if (d.parent_decision < 0) {
      TUNAS_REQUIRE(d.parent_decision == -1 && d.parent_choice == -1, where(),
                    "a node without parent needs parent_decision = parent_choice = -1, got ",
                    d.parent_decision, " and ", d.parent_choice);
      continue;
    }
    TUNAS_REQUIRE(d.parent_decision > i && d.parent_decision < count, where(),
                  "parent_decision must come after the node (post-order) and be < ", count,
                  ", got ", d.parent_decision);
    const int parent_choices = decisions[d.parent_decision].num_choices;
    TUNAS_REQUIRE(d.parent_choice >= 0 && d.parent_choice < parent_choices, where(),
                  "parent_choice must be in [0, ", parent_choices, "), got ", d.parent_choice);
  }
}

}  // namespace tunas::policy
