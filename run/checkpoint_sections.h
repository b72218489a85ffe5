// The checkpoint sections every run writes the same way (run/checkpoint.h is the container):
//   meta/fingerprint            the settings that change the result; a resume with others is refused
//   <prefix>/weights            the network's parameters (float32)
//   <prefix>/bn_statistics      its BN moving statistics (float32)
//   <name>                      a batch iterator's position (BatchIteratorState bytes)
// The search uses prefix "supernet", stand-alone training "model".
#pragma once

#include <string>

#include "datasets/batch_iterator.h"
#include "run/checkpoint.h"
#include "supernet/supernet.h"

namespace tunas::run {

void put_fingerprint(Checkpoint& checkpoint, const std::string& fingerprint);
// Throws tunas::Error naming the file and both fingerprints when they differ.
void require_fingerprint(const Checkpoint& checkpoint, const std::string& expected);

void put_network(Checkpoint& checkpoint, const std::string& prefix, supernet::Supernet& net);
// Throws tunas::Error naming the section when one is missing, mis-sized or not finite.
void restore_network(const Checkpoint& checkpoint, const std::string& prefix,
                     supernet::Supernet& net);

void put_iterator(Checkpoint& checkpoint, const std::string& name,
                  const datasets::BatchIterator& iterator);
void restore_iterator(const Checkpoint& checkpoint, const std::string& name,
                      datasets::BatchIterator& iterator);

}  // namespace tunas::run
