// The TensorBoard event of one search log step (spec §7.2): the log.jsonl record's numbers
// and probabilities, the policy's logits by path (rlpathlogits/<path>/<choice>) and by tag
// (rltaglogits/<tag>_indices_<k>/<choice>, k counting each tag's decisions in canonical
// order), and the cost and validation accuracy of every sampled replica as histograms.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "events/event_writer.h"
#include "policy/policy.h"
#include "search_spaces/space.h"

namespace tunas::search {

void write_search_events(events::EventWriter& writer, std::int64_t step, const std::string& log_line,
                         const spaces::Space& space, const policy::Policy& policy,
                         std::span<const double> replica_costs, std::span<const double> replica_accuracies);

}  // namespace tunas::search
