// The fixed replica tree, the partition rules, skipping batches and start-up agreement, in one
// process (tests/distributed/test_mpi.cc runs the same under mpirun).
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.h"
#include "datasets/batch_iterator.h"
#include "datasets/synthetic.h"
#include "distributed/agreement.h"
#include "distributed/communicator.h"
#include "distributed/data_parallel.h"
#include "tests/distributed/thread_communicator.h"
#include "tests/test_util.h"

using namespace tunas;
using namespace tunas::distributed;

namespace {

std::string error_of(void (*f)()) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("data parallel: partition rules name the replicas and the ranks") {
  CHECK_NOTHROW(check_partition(4, 1));
  CHECK_NOTHROW(check_partition(4, 4));
  CHECK_NOTHROW(check_partition(12, 4));
  const std::string not_multiple = error_of([] { check_partition(6, 4); });
  CHECK(not_multiple.find("--replicas 6 is not a multiple of the 4 MPI ranks") != std::string::npos);
  const std::string not_power = error_of([] { check_partition(6, 3); });
  CHECK(not_power.find("mpirun -np 3 is not a power of two") != std::string::npos);
}

TEST_CASE("data parallel: one process sums the replicas along the fixed tree") {
  // 5 replicas: mid(0,5) = 2, mid(2,5) = 3, so the tree is (g0 + g1) + (g2 + (g3 + g4)).
  Rng rng = test::make_rng("tree");
  const int K = 5;
  const std::int64_t n = 1000;
  std::vector<std::vector<float>> g(K);
  for (auto& v : g) v = test::random_vector(rng, std::size_t(n), -1e3f, 1e3f);
  SingleProcessCommunicator comm;
  DataParallel dp(comm, K);
  CHECK(dp.first_replica() == 0);
  CHECK(dp.end_replica() == K);
  std::vector<int> order;
  std::vector<float> sum(static_cast<std::size_t>(n));
  dp.tree_sum(n, [&](int r, float* out) {
    order.push_back(r);
    std::memcpy(out, g[std::size_t(r)].data(), std::size_t(n) * sizeof(float));
  }, sum.data());
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});  // leaves in replica order (data order)
  int differs_from_sequential = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::size_t j = std::size_t(i);
    const float expected = (g[0][j] + g[1][j]) + (g[2][j] + (g[3][j] + g[4][j]));
    const float sequential = (((g[0][j] + g[1][j]) + g[2][j]) + g[3][j]) + g[4][j];
    INFO("element ", i);
    REQUIRE(std::memcmp(&sum[j], &expected, sizeof(float)) == 0);
    differs_from_sequential += sequential != expected;
  }
  // The association matters on these values (else the test could not tell the orders apart).
  CHECK(differs_from_sequential > 0);
  CHECK(dp.last_sum_bytes() == n * 4);
}

TEST_CASE("data parallel: a rank's range is a subtree, so partial sums compose to the whole") {
  // What two ranks do: each sums its half; rank 0 adds rank 1's partial to its own.
  Rng rng = test::make_rng("subtree");
  const int K = 6;
  const std::int64_t n = 257;
  std::vector<std::vector<float>> g(K);
  for (auto& v : g) v = test::random_vector(rng, std::size_t(n), -1e3f, 1e3f);
  auto leaf = [&](int r, float* out) {
    std::memcpy(out, g[std::size_t(r)].data(), std::size_t(n) * sizeof(float));
  };
  SingleProcessCommunicator comm;
  const auto count = static_cast<std::size_t>(n);
  std::vector<float> whole(count), left(count), right(count);
  DataParallel(comm, K).tree_sum(n, leaf, whole.data());
  DataParallel(comm, K / 2).tree_sum(n, leaf, left.data());  // replicas [0, 3)
  DataParallel(comm, K / 2).tree_sum(n, [&](int r, float* out) { leaf(r + K / 2, out); }, right.data());
  for (std::size_t i = 0; i < std::size_t(n); ++i) {
    const float combined = left[i] + right[i];
    REQUIRE(std::memcmp(&combined, &whole[i], sizeof(float)) == 0);
  }
}

TEST_CASE("data parallel: gather returns every replica's values in replica order") {
  SingleProcessCommunicator comm;
  DataParallel dp(comm, 3);
  const std::vector<double> mine{1, 2, 3, 4, 5, 6};
  std::vector<double> all(mine.size());
  dp.gather(mine, 2, all);
  CHECK(all == mine);
}

TEST_CASE("batch iterator: skip(n) lands where n images of next() land, across epochs") {
  datasets::SyntheticConfig sc;
  sc.train_count = 50;
  sc.test_count = 10;
  const datasets::Dataset data = datasets::make_synthetic(sc);
  datasets::BatchIteratorConfig ic;
  ic.seed = 5;
  ic.purpose = "skip";
  const auto pc = datasets::proxy_preprocess(data.train, true, 16);
  datasets::BatchIterator read(data.train, pc, ic), skipped(data.train, pc, ic);
  const int h = read.height(), w = read.width(), c = read.channels();
  const int b = 8;
  std::vector<float> a(std::size_t(b) * h * w * c), bb(a.size());
  std::vector<std::int32_t> la(b), lb(b);
  const Tensor ta(a.data(), Shape4{b, h, w, c}), tb(bb.data(), Shape4{b, h, w, c});
  for (int i = 0; i < 9; ++i) read.next(ta, la.data());  // 72 images: one epoch and a bit
  skipped.skip(72);
  CHECK(read.state() == skipped.state());
  read.next(ta, la.data());
  skipped.next(tb, lb.data());
  CHECK(la == lb);
  CHECK(std::memcmp(a.data(), bb.data(), a.size() * sizeof(float)) == 0);
  CHECK_THROWS_AS(skipped.skip(-1), Error);
}

TEST_CASE("communicator: no launcher, one process; a launch without MPI support is refused") {
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  ::unsetenv("PMI_SIZE");
  ::unsetenv("PMIX_SIZE");
  CHECK(launcher_world_size() == 0);
  int argc = 0;
  char** argv = nullptr;
  auto comm = make_communicator(&argc, &argv);
  CHECK(comm->size() == 1);
  CHECK(comm->rank() == 0);
  CHECK(comm->any_true(true));
  CHECK_FALSE(comm->any_true(false));
  ::setenv("PMI_SIZE", "3", 1);
  CHECK(launcher_world_size() == 3);
  if (!built_with_mpi()) {
    // What a build without MPI says when mpirun starts it with several ranks.
    std::string message;
    try {
      (void)make_communicator(&argc, &argv);
    } catch (const Error& e) {
      message = e.what();
    }
    CHECK(message.find("no MPI support") != std::string::npos);
  } else {
    MESSAGE("this build has MPI; the refusal of a no-MPI build is checked in builds without it");
  }
  ::unsetenv("PMI_SIZE");
}

TEST_CASE("agreement: one process runs the setup and lets its error through unchanged") {
  SingleProcessCommunicator comm;
  int calls = 0;
  agree_on_setup(comm, [&] {
    ++calls;
    return std::string("settings");
  });
  CHECK(calls == 1);
  try {
    agree_on_setup(comm, []() -> std::string { throw Error("cannot read x"); });
    FAIL("no error");
  } catch (const AgreedError&) {
    FAIL("a single process has nothing to agree with");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "cannot read x");
  }
  CHECK(build_id() != 0);
  CHECK(build_id() == build_id());
}

TEST_CASE("data parallel: 2 and 4 ranks (threads) get the one-process tree sum bit for bit") {
  Rng rng = test::make_rng("ranks");
  const int K = 8;
  const std::int64_t n = 3001;
  std::vector<std::vector<float>> g(K);
  for (auto& v : g) v = test::random_vector(rng, static_cast<std::size_t>(n), -1e3f, 1e3f);
  auto leaf = [&](int r, float* out) {
    std::memcpy(out, g[std::size_t(r)].data(), std::size_t(n) * sizeof(float));
  };
  SingleProcessCommunicator single;
  std::vector<float> expected(static_cast<std::size_t>(n));
  DataParallel(single, K).tree_sum(n, leaf, expected.data());
  for (int ranks : {2, 4}) {
    CAPTURE(ranks);
    test::ThreadWorld world(ranks);
    const auto rank_count = static_cast<std::size_t>(ranks);
    std::vector<std::vector<float>> got(rank_count, std::vector<float>(expected.size()));
    std::vector<std::vector<int>> leaves(rank_count);
    std::vector<std::vector<double>> gathered(rank_count);
    world.run([&](Communicator& comm) {
      DataParallel dp(comm, K);
      dp.tree_sum(n, [&](int r, float* out) {
        leaves[std::size_t(comm.rank())].push_back(r);
        leaf(r, out);
      }, got[std::size_t(comm.rank())].data());
      std::vector<double> mine;
      for (int r = dp.first_replica(); r < dp.end_replica(); ++r) mine.push_back(r * 10.0);
      gathered[std::size_t(comm.rank())].resize(std::size_t(K));
      dp.gather(mine, 1, gathered[std::size_t(comm.rank())]);
    });
    for (int q = 0; q < ranks; ++q) {
      CAPTURE(q);
      CHECK(leaves[std::size_t(q)].size() == std::size_t(K / ranks));
      CHECK(leaves[std::size_t(q)].front() == q * K / ranks);
      CHECK(std::memcmp(got[std::size_t(q)].data(), expected.data(), expected.size() * 4) == 0);
      CHECK(gathered[std::size_t(q)] == std::vector<double>{0, 10, 20, 30, 40, 50, 60, 70});
    }
  }
}

TEST_CASE("agreement: a failing rank or other settings stop every rank with one message") {
  test::ThreadWorld world(2);
  std::vector<std::string> messages(2);
  auto run_agreement = [&](std::function<std::string(int)> setup) {
    world.run([&](Communicator& comm) {
      try {
        agree_on_setup(comm, [&] { return setup(comm.rank()); });
        messages[std::size_t(comm.rank())] = "ok";
      } catch (const AgreedError& e) {
        messages[std::size_t(comm.rank())] = e.what();
      }
    });
  };
  run_agreement([](int rank) -> std::string {
    if (rank == 1) throw Error("cannot read /data/x");
    return "same";
  });
  CHECK(messages[0] == messages[1]);
  CHECK(messages[0].find("1 of 2 ranks could not start") != std::string::npos);
  CHECK(messages[0].find("rank 1 of 2: cannot read /data/x") != std::string::npos);

  run_agreement([](int rank) { return std::string(rank == 0 ? "\"steps\": 4, \"seed\": 1"
                                                            : "\"steps\": 5, \"seed\": 1"); });
  CHECK(messages[0] == messages[1]);
  CHECK(messages[1].find("rank 1 has other settings than rank 0: \"steps\": 5 (rank 0: \"steps\": 4)") !=
        std::string::npos);

  run_agreement([](int) { return std::string("same"); });
  CHECK(messages == std::vector<std::string>{"ok", "ok"});
}
