// A run's directory (<out>/), the same for tunas_search and tunas_train:
//   params.json     every resolved setting (a valid --config file)
//   space.yaml      the space the run used (for tunas_report)
//   log.jsonl       one JSON record per log, and the same numbers as TensorBoard events
//   checkpoint.bin  the latest checkpoint (run/checkpoint.h)
// A new run refuses a directory that holds one; --resume needs its checkpoint, keeps the
// saved settings (refusing flags that would change them) and drops the log records written
// after the checkpoint, which the run writes again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "events/event_writer.h"
#include "run/checkpoint.h"
#include "run/run_files.h"

namespace tunas::run {

inline constexpr const char* kCheckpointFile = "checkpoint.bin";
inline constexpr const char* kParamsFile = "params.json";

// --resume: throws tunas::Error naming the expected file when <out> has no checkpoint.
void require_checkpoint_to_resume(const std::string& out);
// The checkpoint a run starts from: <out>'s with --resume; none for a new run, which refuses
// a directory that holds one.
std::optional<Checkpoint> checkpoint_to_start_from(const std::string& out, bool resume);
// Throws tunas::Error "--resume would change <changed>; ..." unless `changed` is empty.
void require_no_resume_conflicts(const std::string& changed, const std::string& params_path);

// The settings of a resumed run: the saved ones (read_saved(config, params.json path)), with
// what may change between invocations (out, threads, quiet) taken from `given`. conflicts(saved,
// given) names the given settings that would change the result ("" when none).
template <class Config, class ReadSaved, class Conflicts>
Config settings_to_resume(const Config& given, ReadSaved read_saved, Conflicts conflicts) {
  require_checkpoint_to_resume(given.out);
  const std::string params_path = path_join(given.out, kParamsFile);
  Config saved;
  read_saved(saved, params_path);
  require_no_resume_conflicts(conflicts(saved, given), params_path);
  saved.out = given.out;
  saved.threads = given.threads;
  saved.quiet = given.quiet;
  saved.resume = true;
  return saved;
}

class RunDirectory {
 public:
  RunDirectory() = default;
  explicit RunDirectory(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_join(path_, name); }

  // Rank 0, at the start: creates the directory, starts log.jsonl empty (a new run,
  // resume_step < 0) or without its records at step >= resume_step, writes params.json and
  // space.yaml, and opens the event file. The other ranks never open it.
  void open(std::int64_t resume_step, const Json& params, const std::string& space_yaml);
  bool is_open() const { return events_ != nullptr; }

  // One log.jsonl record and the same numbers as a TensorBoard event at `step`;
  // add_more adds the caller's own values to that event. Does nothing unless open.
  void log(std::int64_t step, const Json& record,
           const std::function<void(events::EventWriter&)>& add_more = {});

 private:
  std::string path_;
  std::unique_ptr<events::EventWriter> events_;
};

}  // namespace tunas::run
