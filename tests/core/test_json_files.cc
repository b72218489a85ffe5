#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"

TEST_CASE("json: sorted keys, exact numbers, escapes, non-finite as null") {
  tunas::Json j;
  j["zeta"] = 1;
  j["alpha"] = 0.1;
  j["name"] = "a \"b\"\n";
  j["list"] = std::vector<int>{1, 2, 3};
  j["nan"] = std::numeric_limits<double>::quiet_NaN();
  j["whole"] = 2.0;
  CHECK(tunas::json_line(j) ==
        "{\"alpha\": 0.1, \"list\": [1, 2, 3], \"name\": \"a \\\"b\\\"\\n\", \"nan\": null, "
        "\"whole\": 2.0, \"zeta\": 1}");
  tunas::Json a = tunas::Json::array();
  CHECK(tunas::json_line(a) == "[]");
  tunas::Json nested;
  nested["x"]["y"] = true;
  CHECK(nested.dump(2) == "{\n  \"x\": {\n    \"y\": true\n  }\n}");
  tunas::Json d = 84.41624071449041;
  CHECK(std::stod(d.dump()) == 84.41624071449041);
}

TEST_CASE("files: atomic write replaces content, failures name the path") {
  const auto dir = std::filesystem::temp_directory_path() / "tunas_test_files";
  std::filesystem::remove_all(dir);
  tunas::make_directories((dir / "a/b").string());
  const std::string path = (dir / "a/b/out.json").string();
  tunas::write_file_atomic(path, "first");
  tunas::write_file_atomic(path, "second");
  CHECK(tunas::read_file(path) == "second");
  for (const auto& e : std::filesystem::directory_iterator(dir / "a/b"))
    CHECK(e.path().filename() == "out.json");  // no temporary left behind
  tunas::append_line(path, "x");
  CHECK(tunas::read_file(path) == "secondx\n");
  CHECK_THROWS_WITH_AS(tunas::write_file_atomic((dir / "missing/dir/f").string(), "x"),
                       doctest::Contains("missing/dir/f"), tunas::Error);
  CHECK_THROWS_WITH_AS(tunas::read_file((dir / "nope").string()), doctest::Contains("nope"),
                       tunas::Error);
  CHECK_THROWS_AS(tunas::make_directories(path + "/sub"), tunas::Error);
  std::filesystem::remove_all(dir);
}
