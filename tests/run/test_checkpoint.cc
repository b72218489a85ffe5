#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "run/checkpoint.h"

using tunas::run::Checkpoint;

TEST_CASE("checkpoint: sections round-trip through a file") {
  const auto path = (std::filesystem::temp_directory_path() / "tunas_ckpt_test.bin").string();
  Checkpoint c;
  const std::vector<float> w = {1.5f, -2.25f, 3.f};
  c.put_floats("weights", w.data(), 3);
  c.put_string("meta", "hello");
  c.put_i64("step", -42);
  tunas::run::write_checkpoint(path, c);
  const Checkpoint r = tunas::run::read_checkpoint(path);
  std::vector<float> back(3);
  r.get_floats("weights", back.data(), 3);
  CHECK(back == w);
  CHECK(r.get_string("meta") == "hello");
  CHECK(r.get_i64("step") == -42);
  CHECK_THROWS_WITH_AS(r.get_floats("weights", back.data(), 2), doctest::Contains("holds 3 floats"),
                       tunas::Error);
  CHECK_THROWS_WITH_AS(r.get("nope"), doctest::Contains("no section 'nope'"), tunas::Error);
  CHECK(r.origin() == path);
}

TEST_CASE("checkpoint: truncated, corrupt and foreign files are rejected with the file name") {
  Checkpoint c;
  c.put_string("meta", "0123456789");
  const std::string bytes = c.serialize();
  auto parse = [](const std::string& b) {
    return Checkpoint::parse(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()),
        "ckpt.bin");
  };
  CHECK_NOTHROW(parse(bytes));
  CHECK_THROWS_WITH_AS(parse(bytes.substr(0, bytes.size() - 3)), doctest::Contains("ckpt.bin: checkpoint is truncated"),
                       tunas::Error);
  std::string flipped = bytes;
  flipped[30] ^= 0x10;
  CHECK_THROWS_WITH_AS(parse(flipped), doctest::Contains("ckpt.bin"), tunas::Error);
  std::string foreign = bytes;
  foreign[0] = 'X';
  CHECK_THROWS_WITH_AS(parse(foreign), doctest::Contains("not a tunas checkpoint"), tunas::Error);
  CHECK_THROWS_WITH_AS(tunas::run::read_checkpoint("/nonexistent/ckpt.bin"),
                       doctest::Contains("/nonexistent/ckpt.bin"), tunas::Error);
}
