// Runs the built tunas_arch binary and checks exit codes, stdout and stderr.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>

#include "tests/search_spaces/spaces_test_util.h"

namespace {

struct Run {
  int code = -1;
  std::string out, err;
};

Run run_tool(const std::string& args) {
  const std::string binary = std::string(TUNAS_BINARY_DIR) + "/bin/tunas_arch";
  REQUIRE_MESSAGE(std::filesystem::exists(binary), "tunas_arch not built at ", binary);
  const std::string err_file =
      (std::filesystem::temp_directory_path() / ("tunas_arch_stderr_" + std::to_string(::getpid()))).string();
  const std::string cmd = binary + " " + args + " 2>" + err_file;
  Run r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = tunas::test::read_text(err_file);
  std::filesystem::remove(err_file);
  return r;
}

const char* const kMobile =
    "0:0:0:1:0:0:0:0:0:0:0:1:0:0:1:0:2:0:0:0:0:0:1:0:0:1:0:0:0:2:1:0:1:0:0:1:0:0:1:0:0:0:1:1:0:1:0:"
    "0:1:0:0:1:0:0:0:2:1:0:2:1:0:2:0:0:2:0:0:0:2:1:0:0:0";

// Checks a failure: exit 1, nothing on stdout, the message on stderr.
void check_fails(const std::string& args, const std::string& message) {
  CAPTURE(args);
  const Run r = run_tool(args);
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("tunas_arch: error: ") != std::string::npos);  // after any progress lines
  CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
}

}  // namespace

TEST_CASE("tunas_arch --help and info") {
  const Run help = run_tool("--help");
  CHECK(help.code == 0);
  CHECK(help.out.find("usage: tunas_arch <command>") == 0);
  for (const char* space : {"proxylessnas_search", "proxylessnas_enlarged_search", "mobilenet_v3_like_search"}) {
    const Run r = run_tool(std::string("info --space ") + space);
    CHECK(r.code == 0);
    CHECK(r.out.find(std::string("space: ") + space) == 0);
  }
  const Run info = run_tool("info --space mobilenet_v3_like_search");
  CHECK(info.out.find("decisions: 86 (op 58, filters 28; 86 with more than one choice)") != std::string::npos);
  CHECK(info.out.find("8.48e+42") != std::string::npos);
  CHECK(info.out.find("blocks/5/layers/3/layer/choices/0/use_squeeze_and_excite") != std::string::npos);
}

TEST_CASE("tunas_arch cost prints one JSON object with latency, MACs and params") {
  const Run r = run_tool(std::string("cost --space proxylessnas_search --indices ") + kMobile + " --cost-model params");
  REQUIRE(r.code == 0);
  const YAML::Node json = YAML::Load(r.out);
  CHECK(std::abs(json["latency_ms"].as<double>() - 84.4162) < 1e-3);
  CHECK(json["params"].as<long long>() == 4081793);
  CHECK(json["macs"].as<long long>() > 0);
  CHECK(json["resolution"].as<int>() == 224);
  CHECK(json["classes"].as<int>() == 1001);
  CHECK(json["cost_model"].as<std::string>() == "params");
  CHECK(json["cost"].as<double>() == 4081793);
  // Network options change MACs/params, never the latency.
  const Run small = run_tool(std::string("cost --space proxylessnas_search --indices ") + kMobile +
                             " --resolution 32 --classes 10 --input-channels 1");
  REQUIRE(small.code == 0);
  const YAML::Node s = YAML::Load(small.out);
  CHECK(s["latency_ms"].as<double>() == json["latency_ms"].as<double>());
  CHECK(s["classes"].as<int>() == 10);
  CHECK(s["macs"].as<long long>() < json["macs"].as<long long>());
  // A reference architecture: empty indices, no Pixel-1 weights -> latency null.
  const Run v2 = run_tool("cost --space mobilenet_v2");
  REQUIRE(v2.code == 0);
  const YAML::Node j = YAML::Load(v2.out);
  CHECK(j["latency_ms"].IsNull());
  CHECK(j["params"].as<long long>() == 3506153);
}

TEST_CASE("tunas_arch show prints the resolved layer table, also for a user YAML") {
  const Run r = run_tool(std::string("show --space proxylessnas_search --indices ") + kMobile);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("blocks/2/layers/0/choices/0") != std::string::npos);
  CHECK(r.out.find("total: 4081793 parameters") != std::string::npos);
  const std::string user = std::string(TUNAS_SOURCE_DIR) + "/search_spaces/examples/tiny_space.yaml";
  const Run u = run_tool("show --space " + user + " --indices 0:1:1:0:0:1:0:2:1:0:1:0:0:1:1:1:1:2:0");
  CHECK(u.code == 0);
  CHECK(u.out.find("space: tiny_space") == 0);
  CHECK(u.out.find("classes") != std::string::npos);
  const Run c = run_tool("sample --space " + user + " --cost-model macs --num 2 --min-cost 0 --max-cost 1e12");
  CHECK(c.code == 0);
}

TEST_CASE("tunas_arch sample: rejection into [A, B], reproducible by seed, progress on stderr") {
  const std::string args = "sample --space proxylessnas_search --num 3 --min-cost 80 --max-cost 90 --seed 7";
  const Run a = run_tool(args);
  REQUIRE(a.code == 0);
  const YAML::Node list = YAML::Load(a.out);
  REQUIRE(list.IsSequence());
  CHECK(list.size() == 3);
  for (const YAML::Node& item : list) {
    const double cost = item["cost"].as<double>();
    CHECK(cost >= 80);
    CHECK(cost <= 90);
    // The printed cost is the cost of the printed indices.
    const Run c = run_tool("cost --space proxylessnas_search --indices " + item["indices"].as<std::string>());
    CHECK(YAML::Load(c.out)["latency_ms"].as<double>() == cost);
  }
  CHECK(a.out.find("[\n  {\n    \"indices\": ") == 0);
  CHECK(a.err.find("found 3 / 3 valid architectures\n") != std::string::npos);
  CHECK(a.err.rfind("generated ", 0) == 0);
  const Run b = run_tool(args);
  CHECK(b.out == a.out);
  const Run other = run_tool("sample --space proxylessnas_search --num 3 --min-cost 80 --max-cost 90 --seed 8");
  CHECK(other.out != a.out);
  // Progress every 100 attempts.
  const Run many = run_tool("sample --space mobilenet_v3_like_search --num 2 --min-cost 50 --max-cost 52 --seed 1");
  REQUIRE(many.code == 0);
  CHECK(many.err.find("generated 100 samples, found ") != std::string::npos);
}

TEST_CASE("tunas_arch bad input: exit 1, message on stderr, nothing on stdout") {
  check_fails("", "missing command");
  check_fails("frobnicate --space proxylessnas_search", "unknown command 'frobnicate'");
  check_fails("info", "command 'info' needs --space");
  check_fails("info --space proxylessnas_serch", "unknown search space 'proxylessnas_serch'");
  check_fails("info --space proxylessnas_search --colour red", "unknown option --colour for 'info'");
  check_fails("cost --space proxylessnas_search --indices 0:0:0", "the index string has 3 entries, the space has 73 decisions");
  std::string bad = kMobile;
  bad[2] = '7';
  check_fails("cost --space proxylessnas_search --indices " + bad,
              "index 7 at position 1 (blocks/1/layers/0) is out of range: valid 0..2");
  check_fails(std::string("cost --space proxylessnas_search --indices ") + kMobile + " --cost-model lut9",
              "unknown cost model 'lut9' (valid: tunas_pixel1, macs, params");
  check_fails("cost --space proxylessnas_search --resolution abc", "option --resolution: expected an integer, got 'abc'");
  check_fails("sample --space mobilenet_v2", "names no Pixel-1 weights");
  check_fails("sample --space proxylessnas_search --min-cost 5 --max-cost 4", "--min-cost (5) must be <= --max-cost (4)");
  check_fails("sample --space proxylessnas_search --min-cost 1 --max-cost 2 --max-attempts 300",
              "found 0 of 1 architectures with 1 <= tunas_pixel1 <= 2 in 300 attempts");
  // A malformed user YAML: file and line.
  const std::string path = (std::filesystem::temp_directory_path() / "tunas_bad_space.yaml").string();
  {
    FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs("blocks:\n  - filters: 32\n    layers:\n      - conv: {kernel_size: 3, padding: 1}\n", f);
    std::fclose(f);
  }
  check_fails("info --space " + path, path + ":4:32: unknown key 'padding' in conv");
  std::filesystem::remove(path);
}
