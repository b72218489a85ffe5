#include "events/event_writer.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "core/files.h"
#include "events/record_file.h"
#include "events/tensorboard.pb.h"

namespace tunas::events {
namespace {

constexpr std::string_view kFilePrefix = "events.out.tfevents.";
constexpr int kMaxHistogramBuckets = 30;

double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

// events.out.tfevents.<seconds>.<host>, with ".<n>" when a run resumed within the same second
// already used the name (TensorBoard reads the files sorted by name: the suffix sorts last).
std::string new_file_path(const std::string& run_dir) {
  const long long seconds = static_cast<long long>(wall_time_now());
  const std::string base =
      (std::filesystem::path(run_dir) / str_cat(kFilePrefix, seconds, ".", host_name())).string();
  std::string path = base;
  for (int n = 1; file_exists(path); ++n) path = str_cat(base, ".", n);
  return path;
}

}  // namespace

EventWriter::EventWriter(const std::string& run_dir, std::int64_t resume_step)
    : pending_(std::make_unique<pb::Summary>()) {
  if (resume_step >= 0) drop_events_from(run_dir, resume_step);
  path_ = new_file_path(run_dir);
  pb::Event version;
  version.set_wall_time(wall_time_now());
  version.set_file_version("brain.Event:2");
  append_event(version.SerializeAsString());
}

EventWriter::~EventWriter() = default;

void EventWriter::add_scalar(std::string_view tag, double value) {
  pb::Summary::Value* v = pending_->add_value();
  v->set_tag(std::string(tag));
  v->set_simple_value(float(value));
}

void EventWriter::add_choice_scalars(std::string_view tag, std::span<const double> values) {
  for (std::size_t i = 0; i < values.size(); ++i) add_scalar(str_cat(tag, "/", i), values[i]);
}

void EventWriter::add_histogram(std::string_view tag, std::span<const double> values) {
  if (values.empty()) return;
  pb::Summary::Value* v = pending_->add_value();
  v->set_tag(std::string(tag));
  pb::HistogramProto* h = v->mutable_histo();
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  double sum = 0, sum_squares = 0;
  for (double x : values) {
    sum += x;
    sum_squares += x * x;
  }
  h->set_min(*lo);
  h->set_max(*hi);
  h->set_num(double(values.size()));
  h->set_sum(sum);
  h->set_sum_squares(sum_squares);
  // Equal-width buckets over [min, max]; a single bucket when all values are equal.
  const int buckets = *hi > *lo ? std::min<int>(kMaxHistogramBuckets, int(values.size())) : 1;
  const double width = (*hi - *lo) / buckets;
  std::vector<double> counts(static_cast<std::size_t>(buckets), 0.0);
  for (double x : values) {
    const int b = width > 0 ? std::min(buckets - 1, int((x - *lo) / width)) : 0;
    counts[static_cast<std::size_t>(b)] += 1;
  }
  for (int b = 0; b < buckets; ++b) {
    h->add_bucket_limit(b == buckets - 1 ? *hi : *lo + width * (b + 1));
    h->add_bucket(counts[static_cast<std::size_t>(b)]);
  }
}

void EventWriter::add_log_record(std::string_view json_line) {
  const nlohmann::json rec = nlohmann::json::parse(json_line, nullptr, /*allow_exceptions=*/false);
  TUNAS_REQUIRE(rec.is_object(), "event writer: not a JSON object: ", json_line.substr(0, 80));
  for (const auto& [key, value] : rec.items()) {
    if (key == "step") continue;
    if (value.is_number()) {
      add_scalar(key, value.get<double>());
    } else if (key == "probabilities" && value.is_object()) {
      for (const auto& [path, probs] : value.items())
        add_choice_scalars("rlpathprobs/" + path, probs.get<std::vector<double>>());
    }
  }
}

void EventWriter::write(std::int64_t step) {
  pb::Event e;
  e.set_wall_time(wall_time_now());
  e.set_step(step);
  e.mutable_summary()->Swap(pending_.get());
  pending_->Clear();
  append_event(e.SerializeAsString());
}

// Opened for each record, like log.jsonl: no descriptor stays open between log steps, so the
// run directory can be moved, remounted or checked while a search runs.
void EventWriter::append_event(const std::string& serialized_event) {
  const std::string record = frame_record(serialized_event);
  std::FILE* file = std::fopen(path_.c_str(), "ab");
  TUNAS_REQUIRE(file != nullptr, "cannot open the TensorBoard event file ", path_);
  const bool written = std::fwrite(record.data(), 1, record.size(), file) == record.size();
  const bool closed = std::fclose(file) == 0;
  TUNAS_REQUIRE(written && closed, "cannot write the TensorBoard event file ", path_);
}

std::vector<std::string> event_files(const std::string& run_dir) {
  std::vector<std::string> files;
  if (!std::filesystem::is_directory(run_dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.rfind(kFilePrefix, 0) == 0) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void drop_events_from(const std::string& run_dir, std::int64_t step) {
  for (const std::string& path : event_files(run_dir)) {
    const std::string bytes = read_file(path);
    std::string kept;
    for (const std::string& data : read_records(bytes)) {
      pb::Event e;
      if (!e.ParseFromString(data)) continue;
      if (e.has_summary() && e.step() >= step) continue;
      kept += frame_record(data);
    }
    if (kept.size() != bytes.size()) write_file_atomic(path, kept);
  }
}

}  // namespace tunas::events
