#include "distributed/tool_main.h"

#include <cstdio>
#include <memory>

#include "core/error.h"
#include "distributed/agreement.h"

namespace tunas::distributed {

void print_communication_summary(const char* program, const Communicator& comm,
                                 std::int64_t steps, double wall_seconds) {
  const CommStats& st = comm.stats();
  const double per = steps > 0 ? 1.0 / double(steps) : 0.0;
  std::fprintf(stderr,
               "%s: rank %d of %d: %lld steps in %.3f s (%.2f ms/step); communication %.2f ms/step "
               "(%.1f%%), sent %.0f B/step, received %.0f B/step\n",
               program, comm.rank(), comm.size(), (long long)steps, wall_seconds,
               1e3 * wall_seconds * per, 1e3 * st.seconds * per,
               wall_seconds > 0 ? 100.0 * st.seconds / wall_seconds : 0.0,
               double(st.bytes_sent) * per, double(st.bytes_received) * per);
}

int run_distributed_tool(const char* program, int (*body)(Communicator&, int, char**), int argc,
                         char** argv) {
  std::unique_ptr<Communicator> comm;
  try {
    comm = make_communicator(&argc, &argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 1;
  }
  const bool multi = comm->size() > 1;
  auto fail = [&](const char* kind, const char* what, int code) -> int {
    if (!multi) {
      std::fprintf(stderr, "%s: %s: %s\n", program, kind, what);
      return code;
    }
    std::fprintf(stderr, "%s: %s on rank %d of %d: %s\n", program, kind, comm->rank(),
                 comm->size(), what);
    std::fflush(stderr);
    comm->abort(code);
    return code;  // not reached: abort ends the job
  };
  try {
    return body(*comm, argc, argv);
  } catch (const AgreedError& e) {
    if (comm->rank() == 0) std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 1;
  } catch (const Error& e) {
    return fail("error", e.what(), 1);
  } catch (const std::exception& e) {
    return fail("internal error", e.what(), 2);
  }
}

}  // namespace tunas::distributed
