// What the TensorBoard event of one search log step (spec §7.2) adds to the log.jsonl
// record's numbers and probabilities (run/run_directory.h writes those): the policy's logits
// by path (rlpathlogits/<path>/<choice>) and by tag (rltaglogits/<tag>_indices_<k>/<choice>,
// k counting each tag's decisions in canonical order), and the cost and validation accuracy
// of every sampled replica as histograms.
#pragma once

#include <span>

#include "events/event_writer.h"
#include "policy/policy.h"
#include "search_spaces/space.h"

namespace tunas::search {

void add_search_events(events::EventWriter& writer, const spaces::Space& space,
                       const policy::Policy& policy, std::span<const double> replica_costs,
                       std::span<const double> replica_accuracies);

}  // namespace tunas::search
