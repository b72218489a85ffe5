#include "search/search_events.h"

#include <map>

#include "core/error.h"

namespace tunas::search {

void add_search_events(events::EventWriter& writer, const spaces::Space& space,
                       const policy::Policy& policy, std::span<const double> replica_costs,
                       std::span<const double> replica_accuracies) {
  std::map<spaces::Tag, int> tag_count;
  for (int d = 0; d < policy.num_decisions(); ++d) {
    const spaces::Decision& decision = space.decisions[std::size_t(d)];
    writer.add_choice_scalars("rlpathlogits/" + decision.path, policy.logits(d));
    const int k = tag_count[decision.tag]++;
    writer.add_choice_scalars(str_cat("rltaglogits/", spaces::tag_name(decision.tag), "_indices_", k),
                              policy.logits(d));
  }
  writer.add_histogram("rlcontroller/replica_cost", replica_costs);
  writer.add_histogram("rlcontroller/replica_validation_accuracy", replica_accuracies);
}

}  // namespace tunas::search
