// main() of a tool that may run under mpirun, and its closing line about communication.
//
// run_distributed_tool makes the communicator (distributed/communicator.h), runs the tool's
// body and turns exceptions into exit codes as tunas::run_main does (1: tunas::Error, 2:
// anything else), with two rules for multi-rank runs:
//  * an AgreedError (agreement.h) is raised by every rank at the same point with the same
//    text: rank 0 prints it once, every rank returns 1 and MPI shuts down cleanly;
//  * any other exception is one rank's alone: that rank prints it with its rank number and
//    aborts the whole job (MPI_Abort), so no other rank waits forever in a collective.
#pragma once

#include <cstdint>

#include "distributed/communicator.h"

namespace tunas::distributed {

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
