// The option table (search/option_table.h): rows carry their ranges, choices and whether they
// change a run's result, and validation, --help, the fingerprint and the resume check all
// come from the rows; sub-commands take only their own keys.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "run/option_table.h"

namespace {

using tunas::AutoReal;
using tunas::option;
using tunas::OptionTable;

struct Toy {
  int batch = 8;
  double momentum = 0.9;
  double decay = -1;
  AutoReal lr;
  std::string mode = "fast";
  std::int64_t steps = 10;
  bool quiet = false;
  double added_later = 2;
  int threads = 0;
};

const OptionTable<Toy>& toy() {
  static const OptionTable<Toy> t({
      option("batch", &Toy::batch, "images per step").in(1, 64).changes_result(),
      option("momentum", &Toy::momentum, "EMA momentum").in_half_open(0, 1).changes_result(),
      option("decay", &Toy::decay, "decay").at_least(0).or_value(-1, "for the default").changes_result(),
      option("lr", &Toy::lr, "learning rate").at_least(0).changes_result().fingerprint_auto_as_zero(),
      option("mode", &Toy::mode, "how").one_of({"fast", "slow"}).changes_result(),
      option("steps", &Toy::steps, "steps").above(0).changes_result(),
      option("quiet", &Toy::quiet, "no output"),
      option("added_later", &Toy::added_later, "a knob of a later release").changes_result_when_set(),
      option("threads", &Toy::threads, "threads").in(0, 16),
  });
  return t;
}

std::string error_of(Toy& c, std::vector<std::string> args) {
  std::vector<char*> argv{const_cast<char*>("toy")};
  for (auto& a : args) argv.push_back(a.data());
  try {
    toy().parse_flags(c, int(argv.size()), argv.data(), "", nullptr);
  } catch (const tunas::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("option rows: ranges and choices checked at parse time and by check(), named the same") {
  Toy c;
  CHECK(error_of(c, {"--batch", "0"}) == "option --batch must be in [1, 64], got 0");
  CHECK(error_of(c, {"--batch", "4294967297"}) ==
        "option --batch must be in [1, 64], got 4294967297 (out of range)");
  CHECK(error_of(c, {"--momentum", "1"}) == "option --momentum must be in [0, 1), got 1");
  CHECK(error_of(c, {"--decay", "-0.5"}) ==
        "option --decay must be >= 0 (or -1 for the default), got -0.5");
  CHECK(error_of(c, {"--decay", "-1"}).empty());
  CHECK(error_of(c, {"--lr", "-1"}) == "option --lr must be >= 0 or auto, got -1");
  CHECK(error_of(c, {"--mode", "medium"}) == "option --mode must be one of fast, slow, got 'medium'");
  CHECK(error_of(c, {"--steps", "0"}) == "option --steps must be > 0, got 0");
  CHECK(c.batch == 8);  // nothing half-applied
  // A config file names the file and line.
  const std::string path = (std::filesystem::temp_directory_path() / "tunas_toy_options.yaml").string();
  tunas::write_file_atomic(path, "mode: fast\nthreads: 17\n");
  CHECK(error_of(c, {"--config", path}) == path + ":2: threads must be in [0, 16], got 17");
  // check() tests a config built in code, with the flag's name.
  Toy d;
  d.momentum = -0.1;
  CHECK_THROWS_WITH_AS(toy().check(d), "--momentum must be in [0, 1), got -0.1", tunas::Error);
  CHECK_NOTHROW(toy().check(Toy{}));
}

TEST_CASE("option rows: --help shows each row's range or choices") {
  const std::string help = toy().help_lines();
  CHECK(help.find("--batch N                  images per step; in [1, 64]\n") != std::string::npos);
  CHECK(help.find("--decay N                  decay; >= 0 (or -1 for the default)\n") != std::string::npos);
  CHECK(help.find("--mode S                   how; one of fast, slow\n") != std::string::npos);
  CHECK(help.find("--quiet                    no output\n") != std::string::npos);
}

TEST_CASE("option rows: the fingerprint and the resume check come from the changes-the-result flag") {
  Toy c;
  const std::string base = tunas::json_line(toy().fingerprint(c));
  // auto spelled 0 (as the first release wrote it), explicit 0 as "0"; a later knob only away
  // from its default; settings that do not change the result not at all.
  CHECK(base == R"({"batch": 8, "decay": -1.0, "lr": 0.0, "mode": "fast", "momentum": 0.9, "steps": 10})");
  c.threads = 4;
  c.quiet = true;
  CHECK(tunas::json_line(toy().fingerprint(c)) == base);
  c.lr = 0.0;
  CHECK(tunas::json_line(toy().fingerprint(c)).find(R"("lr": "0")") != std::string::npos);
  c.lr.reset();
  c.added_later = 3;
  CHECK(tunas::json_line(toy().fingerprint(c)).find(R"("added_later": 3.0)") != std::string::npos);
  Toy run, now;
  now.batch = 16;
  now.threads = 2;
  CHECK(toy().resume_conflicts(run, now, {"batch", "threads"}) == "--batch (run: 8, now: 16)");
  CHECK(toy().resume_conflicts(run, now, {"threads"}).empty());  // given, but no result change
}

TEST_CASE("option commands: each command takes its own keys and needs its required ones") {
  const OptionTable<Toy> t(toy().options(), {{"go", {"batch", "quiet"}, {"batch"}, "  go\n"},
                                             {"stop", {"mode"}, {}, "  stop\n"}});
  auto parse = [&](std::vector<std::string> args, const std::string& fallback = "") {
    std::vector<char*> argv{const_cast<char*>("toy")};
    for (auto& a : args) argv.push_back(a.data());
    Toy c;
    const std::string command = t.parse_command(c, int(argv.size()), argv.data(), "", fallback);
    return std::make_pair(command, c);
  };
  const auto [command, c] = parse({"go", "--batch", "4", "--quiet"});
  CHECK(command == "go");
  CHECK(c.batch == 4);
  CHECK(c.quiet);
  CHECK_THROWS_WITH_AS(parse({"go", "--batch", "4", "--mode", "slow"}),
                       "unknown option --mode for 'go' (valid: --batch, --quiet)", tunas::Error);
  CHECK_THROWS_WITH_AS(parse({"go"}), "command 'go' needs --batch (see --help)", tunas::Error);
  CHECK_THROWS_WITH_AS(parse({"jump"}), "unknown command 'jump' (valid: go, stop; see --help)",
                       tunas::Error);
  CHECK_THROWS_WITH_AS(parse({}), "missing command (go, stop); see --help", tunas::Error);
  CHECK(parse({"--mode", "slow"}, "stop").first == "stop");  // a default command
  CHECK(parse({"--help"}).first.empty());
  // A boolean takes a following true/false/1/0 as its value ("--quiet 0"), nothing else.
  CHECK_FALSE(parse({"go", "--quiet", "0", "--batch", "2"}).second.quiet);
  CHECK(parse({"go", "--quiet", "--batch", "2"}).second.quiet);
  CHECK_THROWS_WITH_AS(parse({"go", "--quiet", "2", "--batch", "2"}),
                       "unexpected argument '2' (options start with --; see --help)", tunas::Error);
}

TEST_CASE("option tools: a key may also be given once as a bare argument") {
  struct Report {
    std::string run;
    bool quiet = false;
  };
  const OptionTable<Report> t({option("run", &Report::run, "run directory"),
                               option("quiet", &Report::quiet, "no output")});
  auto parse = [&](std::vector<std::string> args) {
    std::vector<char*> argv{const_cast<char*>("report")};
    for (auto& a : args) argv.push_back(a.data());
    Report r;
    t.parse_tool(r, int(argv.size()), argv.data(), "", "run");
    return r;
  };
  CHECK(parse({"runs/a"}).run == "runs/a");
  CHECK(parse({"--run", "runs/b"}).run == "runs/b");
  CHECK(parse({"--quiet", "runs/c"}).run == "runs/c");
  CHECK_THROWS_WITH_AS(parse({"runs/a", "runs/b"}),
                       "unexpected argument 'runs/b' (options start with --; see --help)",
                       tunas::Error);
}
