// Agreeing on start-up across ranks, so that a job either runs on every rank or stops on
// every rank with one message, before anything is written.
//
// agree_on_setup runs each rank's setup, then exchanges (did it fail, with what message; a
// hash of the resolved settings and of this binary) and throws the same AgreedError on every
// rank when any rank failed or when any rank's settings or binary differ from rank 0's. The
// setup must not call the communicator itself (a rank that throws early would leave the
// others waiting in it).
//
// AgreedError is an Error that every rank raises at the same point with the same text:
// run_distributed_tool prints it once (rank 0) and every rank exits with status 1, MPI shut
// down cleanly. Any other exception on a multi-rank run is one rank's alone: that rank
// prints it with its rank and aborts the whole job (MPI_Abort), so no rank waits forever.
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

// One stderr line of what the run's exchanges cost this rank: steps, wall time, time inside
// the communicator and bytes moved, per step (docs/SCALING.md reads it).
void print_communication_summary(const char* program, const Communicator& comm,
                                 std::int64_t steps, double wall_seconds);

// main() of a tool that may run under mpirun: makes the communicator, runs body, and turns
// exceptions into exit codes (1: tunas::Error, 2: anything else) as tunas::run_main does,
// with the multi-rank rules above.
int run_distributed_tool(const char* program, int (*body)(Communicator&, int, char**), int argc,
                         char** argv);

}  // namespace tunas::distributed
