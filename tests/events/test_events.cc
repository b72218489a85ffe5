#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "events/crc32c.h"
#include "events/event_writer.h"
#include "events/record_file.h"
#include "events/tensorboard.pb.h"

namespace fs = std::filesystem;
using namespace tunas::events;

namespace {

std::string fresh_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("tunas_events_test_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::vector<pb::Event> read_events(const std::string& path) {
  std::vector<pb::Event> events;
  for (const std::string& data : read_records(tunas::read_file(path))) {
    pb::Event e;
    REQUIRE(e.ParseFromString(data));
    events.push_back(e);
  }
  return events;
}

}  // namespace

TEST_CASE("crc32c: known vectors (RFC 3720 B.4 and the check value)") {
  CHECK(crc32c("") == 0x00000000u);
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(char(i));
    descending.push_back(char(31 - i));
  }
  CHECK(crc32c(ascending) == 0x46DD794Eu);
  CHECK(crc32c(descending) == 0x113FDB5Cu);
}

TEST_CASE("crc32c: TensorFlow's mask") {
  // ((c >> 15) | (c << 17)) + 0xa282ead8, by hand for c = 0xE3069283.
  CHECK(mask_crc32c(0xE3069283u) == std::uint32_t(((0xE3069283u >> 15) | (0xE3069283u << 17)) + 0xA282EAD8u));
  CHECK(mask_crc32c(0) == 0xA282EAD8u);
}

TEST_CASE("record_file: framing layout, round trip, and a torn or corrupt tail is dropped") {
  const std::string r = frame_record("abc");
  REQUIRE(r.size() == 3 + 16);
  CHECK(r.substr(0, 8) == std::string("\x03\0\0\0\0\0\0\0", 8));
  CHECK(r.substr(12, 3) == "abc");
  const std::uint32_t data_crc = mask_crc32c(crc32c("abc"));
  CHECK(std::uint8_t(r[15]) == (data_crc & 0xFF));
  CHECK(std::uint8_t(r[18]) == (data_crc >> 24));

  const std::string two = frame_record("first") + frame_record(std::string(300, 'x'));
  auto records = read_records(two);
  REQUIRE(records.size() == 2);
  CHECK(records[0] == "first");
  CHECK(records[1] == std::string(300, 'x'));
  CHECK(read_records(two.substr(0, two.size() - 1)).size() == 1);  // torn last record
  std::string flipped = two;
  flipped[flipped.size() - 20] ^= 1;  // a byte of the second record's data
  CHECK(read_records(flipped).size() == 1);
  flipped = two;
  flipped[9] ^= 1;  // the first record's length checksum
  CHECK(read_records(flipped).empty());
}

TEST_CASE("event_writer: file version, scalars, log records and histograms") {
  const std::string dir = fresh_dir("writer");
  std::string path;
  {
    EventWriter w(dir);
    path = w.path();
    CHECK(fs::path(path).filename().string().rfind("events.out.tfevents.", 0) == 0);
    w.add_log_record(R"({"step": 4, "model/loss": 2.5, "argmax/indices": "1:0",)"
                     R"( "probabilities": {"blocks/0/filters": [0.25, 0.75]}})");
    w.add_choice_scalars("rlpathlogits/blocks/0/filters", std::vector<double>{-1.0, 0.5});
    w.add_histogram("costs", std::vector<double>{1, 2, 2, 4});
    w.write(4);
    // Flushed at each write: readable while the writer is still open.
    CHECK(read_events(path).size() == 2);
    CHECK_THROWS_AS(w.add_log_record("not json"), tunas::Error);
  }
  const auto events = read_events(path);
  REQUIRE(events.size() == 2);
  CHECK(events[0].file_version() == "brain.Event:2");
  CHECK(events[1].step() == 4);
  CHECK(events[1].wall_time() > 1.6e9);
  std::map<std::string, pb::Summary::Value> by_tag;
  for (const auto& v : events[1].summary().value()) by_tag[v.tag()] = v;
  CHECK(by_tag.size() == 6);  // the string argmax/indices and the step are not scalars
  CHECK(by_tag["model/loss"].simple_value() == 2.5f);
  CHECK(by_tag["rlpathprobs/blocks/0/filters/0"].simple_value() == 0.25f);
  CHECK(by_tag["rlpathprobs/blocks/0/filters/1"].simple_value() == 0.75f);
  CHECK(by_tag["rlpathlogits/blocks/0/filters/0"].simple_value() == -1.0f);
  CHECK(by_tag["rlpathlogits/blocks/0/filters/1"].simple_value() == 0.5f);
  const pb::HistogramProto& h = by_tag["costs"].histo();
  CHECK(h.num() == 4);
  CHECK(h.sum() == 9);
  CHECK(h.sum_squares() == 25);
  CHECK(h.min() == 1);
  CHECK(h.max() == 4);
  // 4 values -> 4 buckets of width 0.75 over [1, 4]: 1 | 2, 2 | - | 4.
  REQUIRE(h.bucket_size() == 4);
  CHECK(h.bucket(0) == 1);
  CHECK(h.bucket(1) == 2);
  CHECK(h.bucket(2) == 0);
  CHECK(h.bucket(3) == 1);
  CHECK(h.bucket_limit(3) == 4);
  CHECK(std::abs(h.bucket_limit(0) - 1.75) < 1e-12);
}

TEST_CASE("event_writer: a resumed run drops the old records from its checkpoint step on") {
  const std::string dir = fresh_dir("resume");
  std::string first;
  {
    EventWriter w(dir);
    first = w.path();
    for (int step = 0; step < 10; step += 2) {
      w.add_scalar("x", step);
      w.write(step);
    }
  }
  // A torn record, as a SIGKILL mid-write leaves it.
  tunas::append_line(first, "\x05");
  {
    EventWriter w(dir, /*resume_step=*/6);
    CHECK(w.path() != first);
    w.add_scalar("x", 60);
    w.write(6);
  }
  const auto files = event_files(dir);
  REQUIRE(files.size() == 2);
  CHECK(files[0] == first);  // TensorBoard's order: the resumed file comes second
  std::vector<std::int64_t> steps;
  for (const auto& f : files)
    for (const auto& e : read_events(f))
      if (e.has_summary()) steps.push_back(e.step());
  CHECK(steps == std::vector<std::int64_t>{0, 2, 4, 6});
  CHECK(read_records(tunas::read_file(first)).size() == 4);  // version + 0, 2, 4; no tail
}
