#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

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

TEST_CASE("json_line: the one-line spelling fingerprints were stored in") {
  // Doubles in std::to_chars' shortest form (3e-04, not nlohmann's 0.0003), integers exact,
  // nested containers with ", " and ": ", non-finite as null.
  tunas::Json j;
  j["lr"] = 0.0003;
  j["big"] = 1e21;
  j["n"] = std::int64_t(-9007199254740993);
  j["u"] = std::uint64_t(18446744073709551615u);
  j["inf"] = std::numeric_limits<double>::infinity();
  j["list"] = tunas::Json::array({tunas::Json::object(), tunas::Json::array(), nullptr, false});
  CHECK(tunas::json_line(j) ==
        "{\"big\": 1e+21, \"inf\": null, \"list\": [{}, [], null, false], \"lr\": 3e-04, "
        "\"n\": -9007199254740993, \"u\": 18446744073709551615}");
  // Every value reads back (nlohmann's reader as the independent client).
  const tunas::JsonDocument back = tunas::parse_json(tunas::json_line(j), "line");
  CHECK(back["lr"].get<double>() == 0.0003);
  CHECK(back["u"].get<std::uint64_t>() == 18446744073709551615u);
}

TEST_CASE("parse_json and JsonField: errors name the file, line, column, byte and field") {
  CHECK_THROWS_WITH_AS(tunas::parse_json("{\"a\": 1,\n  \"b\": }", "f.json"),
                       doctest::Contains("f.json:2:8: malformed JSON (byte 17): syntax error"), tunas::Error);
  const tunas::JsonDocument doc = tunas::parse_json(
      R"({"z": 1, "a": {"n": 3, "s": "x", "f": 1.5, "big": 4294967296, "list": [true]}})", "g.json");
  const tunas::JsonField root(doc, "g.json");
  CHECK(root.keys() == std::vector<std::string>{"z", "a"});  // file order
  const tunas::JsonField a = root["a"];
  CHECK(a["n"].as<int>() == 3);
  CHECK(a["f"].as<double>() == 1.5);
  CHECK(a["list"][0].as<bool>());
  CHECK(a["big"].as<std::int64_t>() == 4294967296);
  CHECK_FALSE(a["absent"]);
  CHECK_THROWS_WITH_AS(a["absent"].as<int>(), "g.json: a.absent: missing", tunas::Error);
  CHECK_THROWS_WITH_AS(a["s"].as<int>(), "g.json: a.s: expected a whole number, got string",
                       tunas::Error);
  CHECK_THROWS_WITH_AS(a["f"].as<int>(), "g.json: a.f: expected a whole number, got 1.5",
                       tunas::Error);
  CHECK_THROWS_WITH_AS(a["big"].as<int>(), doctest::Contains("a.big: 4294967296 is out of range"),
                       tunas::Error);
  CHECK_THROWS_WITH_AS(a["list"][1].as<bool>(), "g.json: a.list[1]: missing", tunas::Error);
  CHECK_THROWS_WITH_AS(a["n"].as<std::string>(), "g.json: a.n: expected a string, got number",
                       tunas::Error);
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
