// The processes of one data-parallel run and the few exchanges the run needs between them.
//
// A run is N ranks (N = 1: this process alone). Rank 0 is the one that writes files. Every
// exchange here is collective: every rank calls it, in the same order, or the run hangs;
// the search and training loops keep that order by doing the same steps on every rank.
//
// Implementations: SingleProcessCommunicator (N = 1, always built) and the MPI one
// (mpi_communicator.cc, built when CMake finds MPI). make_communicator() picks one: MPI when
// the process was started by mpirun, otherwise the single process; a build without MPI that
// finds itself started by mpirun with more than one rank refuses with tunas::Error instead
// of running N independent copies of the same job.
//
// Errors: MPI's default handler (MPI_ERRORS_ARE_FATAL) stays in place, so a failed or dead
// peer ends the whole job instead of leaving the others waiting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tunas::distributed {

// Bytes and wall time spent inside the communicator's calls since construction.
struct CommStats {
  std::uint64_t bytes_sent = 0;      // by this rank (point to point and broadcasts from it)
  std::uint64_t bytes_received = 0;  // by this rank
  double seconds = 0;                // inside send/recv/broadcast/allgather/any_true
  std::uint64_t calls = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "single process" or "MPI (Open MPI v4.1.4), 2 ranks on 2 hosts".
  virtual std::string describe() const = 0;

  // Point to point, blocking, exact bytes.
  virtual void send(int to, const void* data, std::size_t bytes) = 0;
  virtual void recv(int from, void* data, std::size_t bytes) = 0;
  // Rank 0's `bytes` bytes into every rank's `data`.
  virtual void broadcast(void* data, std::size_t bytes) = 0;
  // Every rank's `bytes` bytes of `mine`, concatenated in rank order, into `all` (size*bytes).
  virtual void allgather(const void* mine, std::size_t bytes, void* all) = 0;
  // True on every rank when `value` is true on any rank.
  virtual bool any_true(bool value) = 0;
  // Ends every rank of the job now with `code` (mpirun reports it). Never returns.
  [[noreturn]] virtual void abort(int code) = 0;

  const CommStats& stats() const { return stats_; }

 protected:
  CommStats stats_;
};

class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string describe() const override { return "single process"; }
  void send(int to, const void* data, std::size_t bytes) override;
  void recv(int from, void* data, std::size_t bytes) override;
  void broadcast(void*, std::size_t) override {}
  void allgather(const void* mine, std::size_t bytes, void* all) override;
  bool any_true(bool value) override { return value; }
  [[noreturn]] void abort(int code) override;
};

// The number of ranks an MPI launcher announced in the environment (Open MPI's
// OMPI_COMM_WORLD_SIZE, PMI_SIZE of MPICH/Slurm, PMIX_SIZE); 0 when none is set.
int launcher_world_size();

// Whether this binary was built with MPI.
bool built_with_mpi();

// The communicator of this process (see the top of the file). argc/argv go to MPI_Init.
// Throws tunas::Error naming the launcher variable when started by mpirun with more than one
// rank in a build without MPI.
std::unique_ptr<Communicator> make_communicator(int* argc, char*** argv);

}  // namespace tunas::distributed
