// The controller's view of a search space: one categorical decision per node.
//
// The list is in the canonical post-order of TUNAS_SPEC §1.3 (children before the decision
// that contains them), so a node's parent always has a LARGER index than the node itself.
// The search-space module exposes the same fields; the search driver maps them one to one.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace tunas::policy {

// Which warm-up rule applies to a node (§4.2): op nodes are replaced by the uniform 1/n
// mask, filter nodes by onehot(largest_choice); other nodes are never replaced.
enum class DecisionTag { op, filters, other };

const char* decision_tag_name(DecisionTag tag);
// Parses "op", "filters" or "other"; throws tunas::Error listing the valid names.
DecisionTag parse_decision_tag(std::string_view name);

struct DecisionSpec {
  std::string path;            // e.g. "blocks/2/layers/1/layer/choices/0/kernel_size"
  DecisionTag tag = DecisionTag::other;
  int num_choices = 1;         // n >= 1; single-choice nodes still count
  int parent_decision = -1;    // closest enclosing decision (index > own index), -1 if none
  int parent_choice = -1;      // which choice of the parent contains this node, -1 if none
  int largest_choice = 0;      // index of the largest width/multiplier (filter warm-up)
};

// Throws tunas::Error naming the decision index and path when a field is out of range:
// num_choices < 1, parent not after the node (post-order) or out of range, parent_choice
// outside the parent's choices (or set without a parent), largest_choice outside [0, n).
void validate_decisions(std::span<const DecisionSpec> decisions);

}  // namespace tunas::policy
