// tunas_search and tunas_train under mpirun: bitwise the one-process run for 2 and 4 ranks,
// bad launches stopped on every rank before anything is written, a killed rank ending the
// job, resume with another rank count, and two "hosts" (network namespaces over a veth pair).
// Skipped, with a message, in builds without MPI or where mpirun is missing.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "core/files.h"
#include "datasets/fashion_mnist.h"
#include "run/checkpoint.h"
#include "train/train_config.h"
#include "train/train_run.h"

namespace fs = std::filesystem;

namespace {

const std::string kBin = std::string(TUNAS_BINARY_DIR) + "/bin/";
const std::string kSpace = std::string(TUNAS_SOURCE_DIR) + "/tests/search/tiny_space.yaml";

bool mpi_available() {
  if (!TUNAS_HAVE_MPI_BUILD) {
    MESSAGE("skipped: this build has no MPI (libopenmpi-dev not found by CMake)");
    return false;
  }
  if (::access(TUNAS_MPIEXEC, X_OK) != 0) {
    MESSAGE("skipped: no mpirun at '" TUNAS_MPIEXEC "' (apt install openmpi-bin)");
    return false;
  }
  return true;
}

std::string mpirun(int ranks) {
  std::string cmd = std::string(TUNAS_MPIEXEC) + " --oversubscribe";
  if (::geteuid() == 0) cmd += " --allow-run-as-root";
  return cmd + " -np " + std::to_string(ranks) + " ";
}

struct Result {
  int code = -1;
  std::string output;
};

// Runs a shell command, stdout and stderr together.
Result run(const std::string& command) {
  Result r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, p)) > 0) r.output.append(buffer, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// A directory of this test process (the pid keeps concurrent runs apart), removed at exit.
std::string fresh_dir(const std::string& name) {
  static const struct Root {
    fs::path path = fs::temp_directory_path() / ("tunas_mpi_test_" + std::to_string(::getpid()));
    ~Root() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } root;
  const fs::path p = root.path / name;
  fs::remove_all(p);
  fs::create_directories(root.path);
  return p.string();
}

std::string search_flags(int replicas, int steps, const std::string& out) {
  return "--space " + kSpace + " --data synthetic --synthetic-size 400 --validation-size 80 "
         "--resolution 16 --proxy=false --cost-model macs --target 60000 --batch 8 "
         "--log-every 2 --checkpoint-every 2 --policy-lr 0.05 --seed 3 --threads 1 --quiet "
         "--replicas " + std::to_string(replicas) + " --steps " + std::to_string(steps) +
         " --out " + out;
}

std::string train_flags(int replicas, const std::string& out) {
  return "--space " + kSpace + " --indices 1:0:1:1:0:1:1:0:0 --data synthetic --synthetic-size 400 "
         "--validation-size 80 --resolution 16 --proxy=false --steps 10 --batch 16 --eval-batch 40 "
         "--dropout 0.2 --log-every 2 --checkpoint-every 4 --seed 3 --threads 1 --quiet "
         "--replicas " + std::to_string(replicas) + " --out " + out;
}

// log.jsonl without the one wall-clock scalar.
std::string log_without_timing(const std::string& dir) {
  static const std::regex timing("\"images_per_second\": ?[-+0-9.eE]+,? ?");
  return std::regex_replace(tunas::read_file(dir + "/log.jsonl"), timing, "");
}

void check_same_search(const std::string& a, const std::string& b) {
  INFO(a, " vs ", b);
  CHECK(tunas::read_file(a + "/checkpoint.bin") == tunas::read_file(b + "/checkpoint.bin"));
  CHECK(tunas::read_file(a + "/final_architecture.json") ==
        tunas::read_file(b + "/final_architecture.json"));
  CHECK(log_without_timing(a) == log_without_timing(b));
  CHECK(tunas::read_file(a + "/params.json").size() > 0);
}

void check_same_train(const std::string& a, const std::string& b) {
  INFO(a, " vs ", b);
  CHECK(tunas::read_file(a + "/checkpoint.bin") == tunas::read_file(b + "/checkpoint.bin"));
  CHECK(log_without_timing(a) == log_without_timing(b));
  static const std::regex timing("\\s*\"(images_per_second|wall_seconds|threads|resumed)\": [^\\n]*\\n");
  CHECK(std::regex_replace(tunas::read_file(a + "/result.json"), timing, "\n") ==
        std::regex_replace(tunas::read_file(b + "/result.json"), timing, "\n"));
}

// The pid of the MPI rank `rank` among mpirun's children (0 when not found).
pid_t rank_pid(pid_t mpirun_pid, int rank) {
  const std::string want = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(entry.path() / "status");
    std::string line;
    pid_t ppid = 0;
    while (std::getline(status, line))
      if (line.rfind("PPid:", 0) == 0) ppid = std::stoi(line.substr(5));
    if (ppid != mpirun_pid) continue;
    std::ifstream environ(entry.path() / "environ");
    std::string env((std::istreambuf_iterator<char>(environ)), std::istreambuf_iterator<char>());
    for (std::size_t b = 0, e; b < env.size(); b = e + 1) {
      e = env.find('\0', b);
      if (e == std::string::npos) e = env.size();
      if (env.compare(b, e - b, want) == 0) return std::stoi(name);
    }
  }
  return 0;
}

bool log_reached(const std::string& dir, int step) {
  const std::string path = dir + "/log.jsonl";
  if (!tunas::file_exists(dir + "/checkpoint.bin") || !tunas::file_exists(path)) return false;
  static const std::regex step_key("\"step\": ([0-9]+)[,}]");
  const std::string text = tunas::read_file(path);
  for (std::sregex_iterator it(text.begin(), text.end(), step_key), end; it != end; ++it)
    if (std::stoi((*it)[1]) >= step) return true;
  return false;
}

}  // namespace

TEST_CASE("mpirun: a search on 2 and 4 ranks x 1 thread is bitwise one process x 2 threads") {
  if (!mpi_available()) return;
  const std::string one = fresh_dir("search_1"), two = fresh_dir("search_2"),
                    four = fresh_dir("search_4");
  // One process on 2 threads against ranks of 1 thread: neither count may change a bit.
  REQUIRE(run(kBin + "tunas_search " +
              std::regex_replace(search_flags(4, 10, one), std::regex("--threads 1"), "--threads 2"))
              .code == 0);
  const Result r2 = run(mpirun(2) + kBin + "tunas_search " + search_flags(4, 10, two));
  INFO(r2.output);
  REQUIRE(r2.code == 0);
  const Result r4 = run(mpirun(4) + kBin + "tunas_search " + search_flags(4, 10, four));
  INFO(r4.output);
  REQUIRE(r4.code == 0);
  check_same_search(one, two);
  check_same_search(one, four);
  // Rank 0 alone printed the result.
  CHECK(r2.output.find("final architecture:") == r2.output.rfind("final architecture:"));
}

TEST_CASE("mpirun: stand-alone training on 2 and 4 ranks is bitwise one process") {
  if (!mpi_available()) return;
  const std::string one = fresh_dir("train_1"), two = fresh_dir("train_2"),
                    four = fresh_dir("train_4");
  REQUIRE(run(kBin + "tunas_train " + train_flags(4, one)).code == 0);
  const Result r2 = run(mpirun(2) + kBin + "tunas_train " + train_flags(4, two));
  INFO(r2.output);
  REQUIRE(r2.code == 0);
  const Result r4 = run(mpirun(4) + kBin + "tunas_train " + train_flags(4, four));
  INFO(r4.output);
  REQUIRE(r4.code == 0);
  check_same_train(one, two);
  check_same_train(one, four);
}

TEST_CASE("mpirun: a Fashion-MNIST search on 2 ranks is bitwise one process") {
  if (!mpi_available()) return;
  const std::string dir = tunas::datasets::kFashionMnistDefaultDir;
  if (!tunas::file_exists(dir + "/train-images-idx3-ubyte.gz")) {
    MESSAGE("skipped: Fashion-MNIST not installed under ", dir, " (apt install dataset-fashion-mnist)");
    return;
  }
  const std::string flags =
      "--space " + kSpace + " --data fashion_mnist --validation-size 2000 --resolution 16 "
      "--proxy=false --cost-model macs --target 60000 --batch 8 --replicas 2 --steps 6 "
      "--log-every 2 --checkpoint-every 3 --policy-lr 0.05 --seed 5 --threads 1 --quiet --out ";
  const std::string one = fresh_dir("fmnist_1"), two = fresh_dir("fmnist_2");
  REQUIRE(run(kBin + "tunas_search " + flags + one).code == 0);
  const Result r2 = run(mpirun(2) + kBin + "tunas_search " + flags + two);
  INFO(r2.output);
  REQUIRE(r2.code == 0);
  check_same_search(one, two);
}

TEST_CASE("mpirun: bad launches stop every rank with one message naming the rank; nothing written") {
  if (!mpi_available()) return;
  const std::string search = kBin + "tunas_search ";
  SUBCASE("replicas not a multiple of the ranks") {
    const std::string out = fresh_dir("bad_k");
    const Result r = run(mpirun(4) + search + search_flags(2, 4, out));
    INFO(r.output);
    CHECK(r.code != 0);
    CHECK(r.output.find("--replicas 2 is not a multiple of the 4 MPI ranks") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
  }
  SUBCASE("other options on one rank") {
    const std::string out = fresh_dir("bad_options");
    const Result r = run(mpirun(1) + search + search_flags(2, 4, out) + " : -np 1 " + search +
                         search_flags(2, 5, out));
    INFO(r.output);
    CHECK(r.code != 0);
    CHECK(r.output.find("rank 1 has other settings than rank 0: \"steps\": 5 (rank 0: \"steps\": 4)") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(out));
  }
  SUBCASE("another binary on one rank") {
    const std::string out = fresh_dir("bad_binary");
    const std::string copy = fresh_dir("other_binary");
    fs::copy_file(kBin + "tunas_search", copy);
    { std::ofstream(copy, std::ios::app) << "another build"; }  // same code, other bytes
    fs::permissions(copy, fs::perms::owner_all);
    const Result r = run(mpirun(1) + search + search_flags(2, 4, out) + " : -np 1 " + copy + " " +
                         search_flags(2, 4, out));
    INFO(r.output);
    CHECK(r.code != 0);
    CHECK(r.output.find("rank 1 runs another binary than rank 0") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
  }
  SUBCASE("a rank that cannot read the data") {
    const std::string out = fresh_dir("bad_data");
    std::string flags = search_flags(2, 4, out);
    const std::string unreadable = std::regex_replace(flags, std::regex("--data synthetic"),
                                                      "--data fashion_mnist --data-dir /nonexistent/fm");
    const Result r = run(mpirun(1) + search + flags + " : -np 1 " + search + unreadable);
    INFO(r.output);
    CHECK(r.code != 0);
    CHECK(r.output.find("rank 1 of 2: Fashion-MNIST directory '/nonexistent/fm'") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
  }
}

TEST_CASE("mpirun: a killed rank ends the job within seconds; its checkpoint resumes on 4 ranks "
          "and on 1 to the uninterrupted result") {
  if (!mpi_available()) return;
  const int steps = 60;
  const std::string reference = fresh_dir("kill_reference"), killed = fresh_dir("kill_run"),
                    copy = fresh_dir("kill_run_copy");
  REQUIRE(run(kBin + "tunas_search " + search_flags(4, steps, reference)).code == 0);

  std::fflush(nullptr);  // nothing buffered twice
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    const std::string cmd = mpirun(2) + kBin + "tunas_search " + search_flags(4, steps, killed);
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  bool reached = false;
  for (int i = 0; i < 3000 && !reached; ++i) {
    reached = log_reached(killed, 6);
    if (!reached) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_t victim = 0;
  for (int i = 0; i < 100 && victim == 0; ++i) victim = rank_pid(pid, 1);
  if (!reached || victim == 0) ::kill(pid, SIGKILL);
  REQUIRE(reached);
  REQUIRE(victim != 0);
  ::kill(victim, SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() - killed_at < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  MESSAGE("mpirun ended ", seconds, " s after rank 1 was killed");
  REQUIRE(done == pid);
  CHECK(seconds < 10);
  CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
  // The last checkpoint is whole (read_checkpoint checks its hash) and not the last step.
  const auto checkpoint = tunas::run::read_checkpoint(killed + "/checkpoint.bin");
  CHECK(checkpoint.get_i64("meta/step") < steps);
  fs::copy(killed, copy, fs::copy_options::recursive);

  const Result on4 = run(mpirun(4) + kBin + "tunas_search --resume --quiet --out " + killed);
  INFO(on4.output);
  REQUIRE(on4.code == 0);
  check_same_search(reference, killed);
  const Result on1 = run(kBin + "tunas_search --resume --quiet --out " + copy);
  INFO(on1.output);
  REQUIRE(on1.code == 0);
  check_same_search(reference, copy);
}

TEST_CASE("mpirun: a training checkpoint of one process resumes on 2 ranks to the same result") {
  if (!mpi_available()) return;
  const std::string reference = fresh_dir("train_resume_reference"), part = fresh_dir("train_resume");
  REQUIRE(run(kBin + "tunas_train " + train_flags(4, reference)).code == 0);
  {
    // The first 6 of 10 steps in this process (checkpoint at step 6), as tunas_train would.
    tunas::train::TrainConfig c;
    const std::string flags = train_flags(4, part);
    std::vector<std::string> words;
    for (std::size_t b = 0, e; b < flags.size(); b = e + 1) {
      e = flags.find(' ', b);
      if (e == std::string::npos) e = flags.size();
      if (e > b) words.push_back(flags.substr(b, e - b));
    }
    std::vector<char*> argv{const_cast<char*>("tunas_train")};
    for (auto& w : words) argv.push_back(w.data());
    REQUIRE(tunas::train::parse_train_flags(c, int(argv.size()), argv.data()));
    tunas::train::TrainRun first(c);
    CHECK(first.run(6).steps_done == 6);
  }
  const Result r = run(mpirun(2) + kBin + "tunas_train --resume --quiet --out " + part);
  INFO(r.output);
  REQUIRE(r.code == 0);
  check_same_train(reference, part);
}

TEST_CASE("mpirun: two hosts (network namespaces joined by a veth pair, TCP) give the same bits") {
  if (!mpi_available()) return;
  const std::string one = fresh_dir("hosts_1"), two = fresh_dir("hosts_2");
  REQUIRE(run(kBin + "tunas_search " + search_flags(4, 8, one)).code == 0);
  const Result r = run(std::string(TUNAS_SOURCE_DIR) + "/tests/distributed/two_hosts.sh " +
                       TUNAS_MPIEXEC + " " + kBin + "tunas_search " +
                       std::regex_replace(search_flags(4, 8, two), std::regex(" --quiet"), ""));
  if (r.code == 77) {
    MESSAGE("skipped: ", r.output);
    return;
  }
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("2 ranks on 2 hosts") != std::string::npos);
  check_same_search(one, two);
}
