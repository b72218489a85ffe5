// Agreeing on start-up across ranks, so that a job either runs on every rank or stops on
// every rank with one message, before anything is written.
//
// agree_on_setup runs each rank's setup, then exchanges (did it fail, with what message; a
// hash of the resolved settings and of this binary) and throws the same AgreedError on every
// rank when any rank failed or when any rank's settings or binary differ from rank 0's. The
// setup must not call the communicator itself (a rank that throws early would leave the
// others waiting in it).
//
// AgreedError is an Error that every rank raises at the same point with the same text;
// tool_main.h prints it once and lets every rank exit cleanly.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/error.h"
#include "distributed/communicator.h"

namespace tunas::distributed {

class AgreedError : public Error {
 public:
  explicit AgreedError(const std::string& message) : Error(message) {}
};

// FNV-1a of this process's executable (/proc/self/exe), computed once: ranks started from
// different builds disagree on it.
std::uint64_t build_id();

// Runs setup() (which returns the run's settings fingerprint: everything that must be the
// same on every rank), then agrees as described above. On a single process it only runs
// setup() (errors propagate unchanged).
void agree_on_setup(Communicator& comm, const std::function<std::string()>& setup);

}  // namespace tunas::distributed
