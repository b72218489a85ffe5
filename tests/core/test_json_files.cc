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
  // A number beyond double's range is nlohmann's out_of_range, not a parse_error (fuzz_lut).
  CHECK_THROWS_WITH_AS(tunas::parse_json("{\"a\": 1,\n \"b\": 5e29753}", "n.json"),
                       doctest::Contains("n.json:2:7: malformed JSON (byte 16): number overflow "
                                         "parsing '5e29753' (beyond the range of a double)"),
                       tunas::Error);
  CHECK_THROWS_AS(tunas::parse_json(std::string_view("5e29753,\n\0\n\x90)2", 14), "crash.json"),
                  tunas::Error);
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

TEST_CASE("utf8_error: UTF-8 passes; each kind of broken sequence is located") {
  using tunas::utf8_error;
  CHECK(utf8_error("") == "");
  CHECK(utf8_error("plain /tmp/run_1") == "");
  CHECK(utf8_error("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9f \xf4\x8f\xbf\xbf") == "");  // 2, 3, 4 bytes, U+10FFFF
  CHECK(utf8_error("run\xff") == "byte 0xff at offset 3");
  CHECK(utf8_error("caf\xe9") == "byte 0xe9 at offset 3");           // Latin-1
  CHECK(utf8_error("\xc0\x80") == "byte 0xc0 at offset 0");          // overlong NUL
  CHECK(utf8_error("a\xe0\x80\xaf") == "byte 0xe0 at offset 1");    // overlong '/'
  CHECK(utf8_error("\xed\xa0\x80") == "byte 0xed at offset 0");     // a surrogate
  CHECK(utf8_error("\xf4\x90\x80\x80") == "byte 0xf4 at offset 0"); // past U+10FFFF
  CHECK(utf8_error("ab\xe2\x82") == "byte 0xe2 at offset 2");        // truncated
  CHECK(utf8_error("\x80") == "byte 0x80 at offset 0");               // a lone continuation
  CHECK(utf8_error("name: x\nblocks:\n  - caf\xe9\n") == "byte 0xe9 at line 3, column 8");
  CHECK_THROWS_WITH_AS(tunas::require_utf8("r\xff", "option --out"),
                       doctest::Contains("option --out: not UTF-8 text (byte 0xff at offset 1)"),
                       tunas::Error);
}

TEST_CASE("json_text: a string that is not UTF-8 is an error naming the file and the field") {
  tunas::Json j;
  j["space"] = "tiny.yaml";
  j["entries"] = tunas::Json::array({tunas::Json{{"name", "ok"}}, tunas::Json{{"name", "caf\xe9"}}});
  CHECK_THROWS_WITH_AS(tunas::json_text(j, 2, "runs/a/params.json"),
                       doctest::Contains("runs/a/params.json: field 'entries[1].name' is not UTF-8"),
                       tunas::Error);
  j["entries"][1]["name"] = "caf\xc3\xa9";
  CHECK(tunas::json_text(j, 2, "runs/a/params.json") == j.dump(2));
}

