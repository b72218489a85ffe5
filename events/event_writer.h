// TensorBoard event files for a run directory: events.out.tfevents.<unix time>.<host>, one
// TFRecord per Event (record_file.h), first the "brain.Event:2" file version, then one
// Summary per log step. Each write() appends and flushes, so TensorBoard shows a running
// search live.
//
// Tags: every number of a log.jsonl record under its own key (the spec §7.2 names for a
// search), "probabilities" as rlpathprobs/<path>/<choice>, plus what the caller adds
// (rlpathlogits/<path>/<choice>, per-replica histograms).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tunas::events {

namespace pb {
class Summary;
}

class EventWriter {
 public:
  // Starts a new events file in run_dir. resume_step >= 0 (a resumed run) first rewrites the
  // directory's older event files without their records at step >= resume_step, which the
  // run will write again (see drop_events_from).
  explicit EventWriter(const std::string& run_dir, std::int64_t resume_step = -1);
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  void add_scalar(std::string_view tag, double value);
  // tag/0, tag/1, ...: one scalar per choice of a decision.
  void add_choice_scalars(std::string_view tag, std::span<const double> values);
  // Count, sum, sum of squares, min, max and up to 30 equal-width buckets of `values`.
  void add_histogram(std::string_view tag, std::span<const double> values);
  // A log.jsonl line: every number except "step" as a scalar under its key, and the
  // "probabilities" object as rlpathprobs/<path>/<choice>. Throws tunas::Error on bad JSON.
  void add_log_record(std::string_view json_line);

  // Appends one Event at `step` holding everything added since the last write; flushes.
  void write(std::int64_t step);

  const std::string& path() const { return path_; }

 private:
  void append_event(const std::string& serialized_event);

  std::string path_;
  std::unique_ptr<pb::Summary> pending_;
};

// Rewrites (atomically) every events.out.tfevents.* file in run_dir without the summaries at
// step >= step and without any corrupt tail, so that a resumed run's records are the only
// ones for those steps. Files without a dropped record are left untouched.
void drop_events_from(const std::string& run_dir, std::int64_t step);

// The events.out.tfevents.* files of run_dir, in the order TensorBoard reads them (by name).
std::vector<std::string> event_files(const std::string& run_dir);

}  // namespace tunas::events
