#include "distributed/communicator.h"

#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace tunas::distributed {

#ifdef TUNAS_HAVE_MPI
std::unique_ptr<Communicator> make_mpi_communicator(int* argc, char*** argv);  // mpi_communicator.cc
#endif

void SingleProcessCommunicator::send(int to, const void*, std::size_t) {
  TUNAS_CHECK(false, "single process: send to rank ", to, " (there is no other rank)");
}

void SingleProcessCommunicator::recv(int from, void*, std::size_t) {
  TUNAS_CHECK(false, "single process: recv from rank ", from, " (there is no other rank)");
}

void SingleProcessCommunicator::allgather(const void* mine, std::size_t bytes, void* all) {
  if (bytes > 0 && all != mine) std::memmove(all, mine, bytes);
}

void SingleProcessCommunicator::abort(int code) { std::exit(code); }

int launcher_world_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    if (const char* v = std::getenv(name)) {
      const int n = std::atoi(v);
      if (n > 0) return n;
    }
  }
  return 0;
}

bool built_with_mpi() {
#ifdef TUNAS_HAVE_MPI
  return true;
#else
  return false;
#endif
}

std::unique_ptr<Communicator> make_communicator(int* argc, char*** argv) {
  const int launched = launcher_world_size();
  // Not started by a launcher: no MPI_Init at all (no singleton MPI runtime to start).
  if (launched == 0) return std::make_unique<SingleProcessCommunicator>();
#ifdef TUNAS_HAVE_MPI
  return make_mpi_communicator(argc, argv);
#else
  (void)argc;
  (void)argv;
  TUNAS_REQUIRE(launched == 1, "started by an MPI launcher with ", launched,
                " ranks (OMPI_COMM_WORLD_SIZE/PMI_SIZE), but this build has no MPI support: each "
                "rank would run the whole job on its own. Install libopenmpi-dev "
                "(scripts/install_deps.sh) and rebuild, or run without mpirun.");
  return std::make_unique<SingleProcessCommunicator>();
#endif
}

}  // namespace tunas::distributed
