// Faults: SIGKILL at seeded random moments of a search and of a training run (each resumed to
// the uninterrupted result bit for bit), SIGTERM handled as SIGINT, a full disk and a
// read-only run directory at checkpoint time (a clear error, the previous checkpoint intact
// and resumable), truncated weights refused. scripts/kill_resume.sh is the unseeded version.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "core/rng.h"
#include "process.h"
#include "run/checkpoint.h"
#include "search/search_config.h"
#include "search/search_run.h"
#include "tiny_runs.h"

namespace fs = std::filesystem;
using tunas::test::fresh_dir;
using tunas::test::run_tool;
using tunas::test::spawn_tool;
using tunas::test::wait_exit_code;

namespace {

// Kills `tool flags` with SIGKILL `kills` times at seeded random moments (each a delay after
// the start of a fresh or resumed process), then lets it finish with --resume. Returns the
// checkpoint steps seen after each kill (for the log).
std::vector<std::string> kill_and_resume(const std::string& tool, const std::vector<std::string>& flags,
                                         const std::string& dir, int kills, std::uint64_t seed) {
  tunas::Rng rng(seed, 13);
  std::vector<std::string> seen;
  const std::vector<std::string> resume = {"--resume", "--out", dir, "--quiet"};
  for (int k = 0; k < kills; ++k) {
    const bool started = tunas::file_exists(dir + "/checkpoint.bin");
    const pid_t pid = spawn_tool(tool, started ? resume : flags);
    std::this_thread::sleep_for(std::chrono::milliseconds(40 + rng.uniform_int(300)));
    kill(pid, SIGKILL);
    const int code = wait_exit_code(pid);
    CHECK((code == 128 + SIGKILL || code == 0));
    seen.push_back(tunas::file_exists(dir + "/checkpoint.bin")
                       ? "step " + std::to_string(tunas::run::read_checkpoint(dir + "/checkpoint.bin")
                                                      .get_i64("meta/step"))
                       : "none");
  }
  const bool started = tunas::file_exists(dir + "/checkpoint.bin");
  const auto last = run_tool(tool, started ? resume : flags);
  INFO(last.err);
  CHECK(last.exit_code == 0);
  return seen;
}

std::vector<std::string> with(std::vector<std::string> flags, const std::vector<std::string>& extra) {
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

// A small tmpfs at `dir` (root only); false when this machine does not allow it.
bool mount_tmpfs(const std::string& dir, const std::string& size) {
  fs::create_directories(dir);
  return ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
}

tunas::search::SearchConfig search_config(const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"tunas_search"};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  tunas::search::SearchConfig c;
  tunas::search::parse_search_flags(c, int(argv.size()), argv.data());
  return c;
}

// The uninterrupted tiny search every fault run must end equal to.
const std::string& reference_search() {
  static const std::string dir = [] {
    const std::string d = fresh_dir("fault_reference") + "/run";
    REQUIRE(run_tool("tunas_search", tunas::test::tiny_search_flags(d, 120)).exit_code == 0);
    return d;
  }();
  return dir;
}

// Runs the tiny search in-process to step 6, breaks the disk with `break_disk`, checks the
// next checkpoint fails with `cause` and leaves the step-6 checkpoint as it was, repairs it
// with `repair`, resumes and compares with the uninterrupted run.
void checkpoint_fault(const std::string& run_dir, const std::function<void()>& break_disk,
                      const std::function<void()>& repair, const std::string& cause) {
  auto flags = with(tunas::test::tiny_search_flags(run_dir, 120), {"--log-every", "1000"});
  {
    tunas::search::SearchRun run(search_config(flags));
    CHECK(run.run(6).steps_done == 6);
    const std::string good = tunas::read_file(run_dir + "/checkpoint.bin");
    break_disk();
    std::string message;
    try {
      run.run();
    } catch (const tunas::Error& e) {
      message = e.what();
    }
    repair();
    INFO(message);
    CHECK(message.find(run_dir + "/checkpoint.bin") != std::string::npos);
    CHECK(message.find(cause) != std::string::npos);
    CHECK(tunas::read_file(run_dir + "/checkpoint.bin") == good);
  }
  tunas::search::SearchConfig resume;
  resume.out = run_dir;
  resume.resume = true;
  resume.quiet = true;
  tunas::search::SearchRun resumed(resume);
  resumed.run();
  CHECK(tunas::read_file(run_dir + "/checkpoint.bin") ==
        tunas::read_file(reference_search() + "/checkpoint.bin"));
}

}  // namespace

TEST_CASE("SIGKILL at 10 seeded moments of a search, resumed, ends bit for bit like the uninterrupted run") {
  const std::string dir = fresh_dir("kill_search") + "/run";
  const auto seen =
      kill_and_resume("tunas_search", tunas::test::tiny_search_flags(dir, 120), dir, 10, 1234);
  std::string trail;
  for (const auto& s : seen) trail += s + "; ";
  MESSAGE("checkpoint after each kill: " << trail);
  CHECK(tunas::read_file(dir + "/checkpoint.bin") ==
        tunas::read_file(reference_search() + "/checkpoint.bin"));
  CHECK(tunas::read_file(dir + "/final_architecture.json") ==
        tunas::read_file(reference_search() + "/final_architecture.json"));
}

TEST_CASE("SIGKILL at 10 seeded moments of a training run, resumed, ends bit for bit like the uninterrupted run") {
  const std::string reference = fresh_dir("train_reference") + "/run";
  REQUIRE(run_tool("tunas_train", tunas::test::tiny_train_flags(reference, 120)).exit_code == 0);
  const std::string dir = fresh_dir("kill_train") + "/run";
  kill_and_resume("tunas_train", tunas::test::tiny_train_flags(dir, 120), dir, 10, 4321);
  CHECK(tunas::read_file(dir + "/checkpoint.bin") == tunas::read_file(reference + "/checkpoint.bin"));
  const std::string a = tunas::read_file(reference + "/result.json");
  const std::string b = tunas::read_file(dir + "/result.json");
  auto field = [](const std::string& json, const std::string& key) {
    const auto pos = json.find("\"" + key + "\": ");
    return pos == std::string::npos ? std::string("<none>") : json.substr(pos, json.find('\n', pos) - pos);
  };
  CHECK(field(a, "top1") == field(b, "top1"));
  CHECK(field(a, "eval_loss") == field(b, "eval_loss"));
}

TEST_CASE("SIGTERM is handled as SIGINT: a checkpoint, exit 130, and the run resumes to the same end") {
  for (const std::string tool : {"tunas_search", "tunas_train"}) {
    CAPTURE(tool);
    const std::string dir = fresh_dir("sigterm_" + tool) + "/run";
    const auto flags = tool == "tunas_search" ? tunas::test::tiny_search_flags(dir, 120)
                                              : tunas::test::tiny_train_flags(dir, 120);
    const pid_t pid = spawn_tool(tool, flags);
    for (int i = 0; i < 6000 && !tunas::file_exists(dir + "/checkpoint.bin"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kill(pid, SIGTERM);
    const int code = wait_exit_code(pid);
    CHECK((code == 130 || code == 0));  // 0: it finished before the signal arrived
    CHECK(tunas::file_exists(dir + "/checkpoint.bin"));
    if (code == 130) CHECK(run_tool(tool, {"--resume", "--out", dir, "--quiet"}).exit_code == 0);
    if (tool == "tunas_search")
      CHECK(tunas::read_file(dir + "/checkpoint.bin") ==
            tunas::read_file(reference_search() + "/checkpoint.bin"));
  }
}

TEST_CASE("a full disk at checkpoint time: a clear error, the previous checkpoint intact, resumable") {
  const std::string mount_point = fresh_dir("full_disk");
  if (!mount_tmpfs(mount_point, "2m")) {
    MESSAGE("skipped: cannot mount a tmpfs here (needs root and mount rights)");
    return;
  }
  const std::string filler = mount_point + "/filler";
  checkpoint_fault(
      mount_point + "/run",
      [&] {
        std::ofstream out(filler, std::ios::binary);
        const std::string block(64 * 1024, 'x');
        while (out.write(block.data(), std::streamsize(block.size()))) {
        }
      },
      [&] { fs::remove(filler); }, "No space left on device");
  ::umount(mount_point.c_str());
}

TEST_CASE("a read-only run directory at checkpoint time: a clear error, the previous checkpoint intact") {
  const std::string mount_point = fresh_dir("read_only");
  if (::geteuid() != 0) {
    // Not root: permissions are enough.
    const std::string run_dir = mount_point + "/run";
    checkpoint_fault(
        run_dir, [&] { fs::permissions(run_dir, fs::perms::owner_read | fs::perms::owner_exec); },
        [&] { fs::permissions(run_dir, fs::perms::owner_all); }, "Permission denied");
    return;
  }
  // Root writes through permissions; a read-only remount of a tmpfs stops it.
  if (!mount_tmpfs(mount_point, "16m")) {
    MESSAGE("skipped: running as root and cannot mount a tmpfs to make read-only");
    return;
  }
  checkpoint_fault(
      mount_point + "/run",
      [&] { REQUIRE(::mount("tmpfs", mount_point.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0); },
      [&] { REQUIRE(::mount("tmpfs", mount_point.c_str(), "tmpfs", MS_REMOUNT, nullptr) == 0); },
      "Read-only file system");
  ::umount(mount_point.c_str());
}

TEST_CASE("truncated and foreign weights files are refused with their path and what is wrong") {
  const std::string dir = fresh_dir("weights");
  const std::string run = reference_search();
  const std::string weights = dir + "/path.weights";
  REQUIRE(run_tool("tunas_arch", {"export", "--run", run, "--weights", weights}).exit_code == 0);
  const std::string bytes = tunas::read_file(weights);
  tunas::write_file_atomic(dir + "/truncated.weights", bytes.substr(0, bytes.size() - 100));
  const std::string indices = [&] {
    const std::string arch = tunas::read_file(run + "/final_architecture.json");
    const auto pos = arch.find("\"indices\": \"") + 12;
    return arch.substr(pos, arch.find('"', pos) - pos);
  }();
  auto train = [&](const std::string& file) {
    return run_tool("tunas_train",
                    {"--space", tunas::test::tiny_space_path(), "--indices", indices, "--data",
                     "synthetic", "--synthetic-size", "200", "--validation-size", "40",
                     "--resolution", "16", "--proxy=false", "--steps", "2", "--batch", "8",
                     "--init-weights", file, "--out", dir + "/train", "--quiet"});
  };
  CHECK(train(weights).exit_code == 0);
  const auto truncated = train(dir + "/truncated.weights");
  CHECK(truncated.exit_code == 1);
  CHECK(truncated.err.find(dir + "/truncated.weights: checkpoint is truncated") != std::string::npos);
  const auto foreign = train(run + "/checkpoint.bin");
  CHECK(foreign.exit_code == 1);
  CHECK(foreign.err.find("checkpoint.bin: not a tunas weights file") != std::string::npos);
}
