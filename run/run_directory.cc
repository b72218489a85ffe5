#include "run/run_directory.h"

#include "core/files.h"

namespace tunas::run {

void require_checkpoint_to_resume(const std::string& out) {
  const std::string checkpoint = path_join(out, kCheckpointFile);
  TUNAS_REQUIRE(file_exists(checkpoint), "--resume: no checkpoint in ", out, " (expected ",
                checkpoint, ")");
}

// A new run: throws tunas::Error when <out> already holds one.
static void refuse_existing_run(const std::string& out) {
  TUNAS_REQUIRE(!file_exists(path_join(out, kCheckpointFile)), "the run directory ", out,
                " already holds a run (checkpoint.bin); continue it with --resume or choose "
                "another --out");
}

std::optional<Checkpoint> checkpoint_to_start_from(const std::string& out, bool resume) {
  if (resume) return read_checkpoint(path_join(out, kCheckpointFile));
  refuse_existing_run(out);
  return std::nullopt;
}

void require_no_resume_conflicts(const std::string& changed, const std::string& params_path) {
  TUNAS_REQUIRE(changed.empty(), "--resume would change ", changed, "; the run in ", params_path,
                "; a resumed run keeps them (drop these flags, or start a new run with another "
                "--out)");
}

void RunDirectory::open(std::int64_t resume_step, const Json& params,
                        const std::string& space_yaml) {
  make_directories(path_);
  if (resume_step >= 0) truncate_log(file("log.jsonl"), resume_step);
  else write_file_atomic(file("log.jsonl"), "");
  write_file_atomic(file(kParamsFile), json_text(params, 2, file(kParamsFile)) + "\n");
  write_file_atomic(file("space.yaml"), space_yaml);
  events_ = std::make_unique<events::EventWriter>(path_, resume_step);
}

void RunDirectory::log(std::int64_t step, const Json& record,
                       const std::function<void(events::EventWriter&)>& add_more) {
  if (!is_open()) return;
  const std::string line = json_line(record);
  append_line(file("log.jsonl"), line);
  events_->add_log_record(line);
  if (add_more) add_more(*events_);
  events_->write(step);
}

}  // namespace tunas::run
