#include "run/checkpoint_sections.h"

#include <cstdint>
#include <vector>

#include "core/error.h"

namespace tunas::run {

void put_fingerprint(Checkpoint& checkpoint, const std::string& fingerprint) {
  checkpoint.put_string("meta/fingerprint", fingerprint);
}

void require_fingerprint(const Checkpoint& checkpoint, const std::string& expected) {
  const std::string found = checkpoint.get_string("meta/fingerprint");
  TUNAS_REQUIRE(found == expected, checkpoint.origin(),
                ": the checkpoint belongs to a run with other settings.\n  checkpoint: ", found,
                "\n  now:        ", expected);
}

void put_network(Checkpoint& checkpoint, const std::string& prefix, supernet::Supernet& net) {
  auto& params = net.params();
  checkpoint.put_floats(prefix + "/weights", params.values(), params.size());
  checkpoint.put_floats(prefix + "/bn_statistics", net.bn_statistics(), net.bn_statistics_size());
}

void restore_network(const Checkpoint& checkpoint, const std::string& prefix,
                     supernet::Supernet& net) {
  auto& params = net.params();
  checkpoint.get_finite_floats(prefix + "/weights", params.values(), params.size());
  checkpoint.get_finite_floats(prefix + "/bn_statistics", net.bn_statistics(),
                               net.bn_statistics_size());
}

void put_iterator(Checkpoint& checkpoint, const std::string& name,
                  const datasets::BatchIterator& iterator) {
  const auto bytes = iterator.state().to_bytes();
  checkpoint.put(name, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
}

void restore_iterator(const Checkpoint& checkpoint, const std::string& name,
                      datasets::BatchIterator& iterator) {
  iterator.restore(datasets::BatchIteratorState::from_bytes(checkpoint.get(name)));
}

}  // namespace tunas::run
