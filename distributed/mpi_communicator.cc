// The MPI implementation of Communicator (built only when CMake finds MPI).
//
// MPI_COMM_WORLD with its default error handler, MPI_ERRORS_ARE_FATAL: any MPI failure (a
// peer that died, a broken connection) ends every rank, which is what a data-parallel step
// that cannot complete needs. Messages longer than INT_MAX bytes go in chunks.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "distributed/communicator.h"

namespace tunas::distributed {

namespace {

constexpr std::size_t kChunk = std::size_t(1) << 30;
constexpr int kTag = 7;

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(int* argc, char*** argv) {
    int provided = 0;
    // Only the main thread calls MPI; worker threads never do.
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiCommunicator() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::string describe() const override {
    char version[MPI_MAX_LIBRARY_VERSION_STRING] = {};
    int len = 0;
    MPI_Get_library_version(version, &len);
    std::string v(version, std::size_t(len));
    v = v.substr(0, v.find_first_of(",\n"));
    return str_cat("MPI (", v, "), ", size_, " ranks on ", hosts_, " host",
                   hosts_ == 1 ? "" : "s");
  }

  void count_hosts() {
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int len = 0;
    MPI_Get_processor_name(name, &len);
    std::vector<char> all(std::size_t(size_) * MPI_MAX_PROCESSOR_NAME);
    MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(), MPI_MAX_PROCESSOR_NAME,
                  MPI_CHAR, MPI_COMM_WORLD);
    std::set<std::string> names;
    for (int r = 0; r < size_; ++r) names.insert(std::string(all.data() + std::size_t(r) * MPI_MAX_PROCESSOR_NAME));
    hosts_ = int(names.size());
  }

  void send(int to, const void* data, std::size_t bytes) override {
    Timer t(stats_);
    const char* p = static_cast<const char*>(data);
    for (std::size_t done = 0; done < bytes; done += kChunk) {
      const int n = int(std::min(kChunk, bytes - done));
      MPI_Send(p + done, n, MPI_BYTE, to, kTag, MPI_COMM_WORLD);
    }
    stats_.bytes_sent += bytes;
  }

  void recv(int from, void* data, std::size_t bytes) override {
    Timer t(stats_);
    char* p = static_cast<char*>(data);
    for (std::size_t done = 0; done < bytes; done += kChunk) {
      const int n = int(std::min(kChunk, bytes - done));
      MPI_Recv(p + done, n, MPI_BYTE, from, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    stats_.bytes_received += bytes;
  }

  void broadcast(void* data, std::size_t bytes) override {
    Timer t(stats_);
    char* p = static_cast<char*>(data);
    for (std::size_t done = 0; done < bytes; done += kChunk) {
      const int n = int(std::min(kChunk, bytes - done));
      MPI_Bcast(p + done, n, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
    if (rank_ == 0) stats_.bytes_sent += bytes;
    else stats_.bytes_received += bytes;
  }

  void allgather(const void* mine, std::size_t bytes, void* all) override {
    TUNAS_CHECK(bytes <= std::size_t(INT_MAX), "allgather of ", bytes, " bytes per rank");
    Timer t(stats_);
    MPI_Allgather(mine, int(bytes), MPI_BYTE, all, int(bytes), MPI_BYTE, MPI_COMM_WORLD);
    stats_.bytes_sent += bytes;
    stats_.bytes_received += bytes * std::size_t(size_ - 1);
  }

  bool any_true(bool value) override {
    Timer t(stats_);
    int in = value ? 1 : 0, out = 0;
    MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
    return out != 0;
  }

  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
  }

 private:
  struct Timer {
    explicit Timer(CommStats& s) : stats(s), start(std::chrono::steady_clock::now()) {}
    ~Timer() {
      stats.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++stats.calls;
    }
    CommStats& stats;
    std::chrono::steady_clock::time_point start;
  };

  int rank_ = 0, size_ = 1, hosts_ = 1;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator(int* argc, char*** argv) {
  auto comm = std::make_unique<MpiCommunicator>(argc, argv);
  comm->count_hosts();
  return comm;
}

}  // namespace tunas::distributed
