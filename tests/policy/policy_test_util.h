// Decision lists shared by the policy tests.
#pragma once

#include <string>
#include <vector>

#include "policy/decision_spec.h"

namespace tunas::policy::test {

inline DecisionSpec make_decision(std::string path, DecisionTag tag, int num_choices,
                                  int parent_decision = -1, int parent_choice = -1,
                                  int largest_choice = 0) {
  return {std::move(path), tag, num_choices, parent_decision, parent_choice, largest_choice};
}

// §4.2 example choice{choice{a, b, c}, choice{d, e, f, g}} in post-order:
// 0 = inner {a,b,c} (under choice 0), 1 = inner {d,e,f,g} (under choice 1), 2 = outer.
inline std::vector<DecisionSpec> hierarchical_example(DecisionTag outer_tag = DecisionTag::other) {
  return {make_decision("choices/0/inner", DecisionTag::other, 3, 2, 0),
          make_decision("choices/1/inner", DecisionTag::other, 4, 2, 1),
          make_decision("outer", outer_tag, 2)};
}

// A skippable block, MobileNet style: kernel (op), expansion (filters, largest at index 1),
// a single-choice node, and the outer skip/op switch; then a block-level filters decision
// that contains nothing, a two-level nest and an "other"-tagged root.
inline std::vector<DecisionSpec> mixed_tree() {
  return {
      make_decision("block/choices/0/kernel_size", DecisionTag::op, 3, 3, 0),
      make_decision("block/choices/0/expansion", DecisionTag::filters, 3, 3, 0, 1),
      make_decision("block/choices/0/se", DecisionTag::op, 1, 3, 0),
      make_decision("block/layer", DecisionTag::op, 2),  // {bottleneck, zero}
      make_decision("filters", DecisionTag::filters, 4, -1, -1, 3),
      make_decision("nest/choices/1/choices/2/leaf", DecisionTag::other, 2, 6, 2),
      make_decision("nest/choices/1/mid", DecisionTag::op, 3, 7, 1),
      make_decision("nest", DecisionTag::other, 2),
  };
}

}  // namespace tunas::policy::test
