#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "latency/layer_config.h"
#include "latency/lut_table.h"
#include "report/architecture_view.h"
#include "report/html_report.h"
#include "report/run_reader.h"
#include "report/svg_chart.h"
#include "search/search_run.h"
#include "search_spaces/catalog.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "train/train_run.h"
#include "tests/common/tiny_runs.h"

namespace fs = std::filesystem;
using namespace tunas::report;
using nlohmann::json;

namespace {

std::string fresh_dir(const std::string& name) {
  return tunas::test::fresh_temp_dir("tunas_report_test_" + name);
}

tunas::search::SearchConfig tiny_search(const std::string& out) {
  return tunas::test::tiny_search_config(out);
}

int count(const std::string& text, const std::string& part) {
  int n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tunas::Error& e) {
    return e.what();
  }
  return "<no error>";
}

// Layers the architecture view draws: all but activations and endpoints, plus the classifier.
int drawn_layers(const std::string& indices) {
  tunas::spaces::Space space = tunas::spaces::load_space(tunas::test::tiny_space_path());
  tunas::spaces::configure_data_network(space, 16, 1, 10, 1.0, 0);
  const auto net = tunas::spaces::resolve(space, tunas::spaces::parse_indices(space, indices));
  int n = 1;
  for (const auto& l : net.layers)
    n += l.kind != tunas::spaces::LayerKind::activation && l.kind != tunas::spaces::LayerKind::detection_endpoint;
  return n;
}

int multi_choice_decisions() {
  int n = 0;
  for (const auto& d : tunas::spaces::load_space(tunas::test::tiny_space_path()).decisions) n += d.size() > 1;
  return n;
}

}  // namespace

TEST_CASE("report: a missing, empty or foreign directory gets a clear error") {
  const std::string dir = fresh_dir("bad");
  CHECK(contains(error_of([&] { read_run(dir); }), dir + ": no such run directory"));
  fs::create_directories(dir);
  CHECK(contains(error_of([&] { write_report(dir); }),
                 "is not a run directory of tunas_search or tunas_train (no params.json)"));
  tunas::write_file_atomic(dir + "/params.json", "{\"batch\": ");
  CHECK(contains(error_of([&] { read_run(dir); }), dir + "/params.json: not valid JSON"));
  tunas::write_file_atomic(dir + "/params.json", "{\"batch\": 8}");
  CHECK(contains(error_of([&] { read_run(dir); }), "not written by a tunas tool"));
  CHECK_FALSE(fs::exists(dir + "/report.html"));
}

TEST_CASE("report: an unfinished search, with a line still being written") {
  const std::string dir = fresh_dir("unfinished");
  {
    tunas::search::SearchRun run(tiny_search(dir));
    run.run(5);  // steps 0..4 of 12; records at 0, 2, 4
  }
  tunas::append_line(dir + "/log.jsonl", "{\"step\": 6, \"model/lo");
  const RunData run = read_run(dir);
  CHECK(run.kind == RunKind::search);
  CHECK(run.records.size() == 3);
  CHECK(run.steps_logged() == 5);
  CHECK(run.total_steps() == 12);
  CHECK_FALSE(run.finished());
  CHECK(run.series("model/loss").steps == std::vector<double>{0, 2, 4});

  const std::string html = render_report(run);
  CHECK(contains(html, "not finished: latest record at step 5 of 12"));
  CHECK(count(html, "<svg class=\"chart\"") == 7);
  CHECK(count(html, "<polyline class=\"curve\"") == 10);  // 2 loss, 1 acc, 2 cost, entropy, 2 lr, 2 reward
  CHECK(count(html, "class=\"reference\"") == 1);           // the target line
  CHECK(count(html, "<svg class=\"heat-strip\"") == multi_choice_decisions());
  const json last = run.records.back();
  const std::string indices = last["argmax/indices"].get<std::string>();
  CHECK(contains(html, "Current arg-max architecture <b>" + indices + "</b>"));
  CHECK(count(html, "<g class=\"layer\">") == drawn_layers(indices));
  // The strip of blocks/0/filters ends with the latest logged probabilities.
  for (double p : last["probabilities"]["blocks/0/filters"].get<std::vector<double>>())
    CHECK(contains(html, ">" + format_number(std::round(p * 1000) / 10) + "%</text>"));
  CHECK(count(html, "<script") == 0);
  CHECK(count(html, "http://") == count(html, "xmlns=\"http://www.w3.org/2000/svg\""));  // no links out
}

TEST_CASE("report: a finished search states its final architecture against the target") {
  const std::string dir = fresh_dir("finished");
  tunas::search::SearchRun(tiny_search(dir)).run();
  const std::string path = write_report(dir);
  CHECK(path == dir + "/report.html");
  const std::string html = tunas::read_file(path);
  const json final = json::parse(tunas::read_file(dir + "/final_architecture.json"));
  CHECK(contains(html, "finished: 12 steps"));
  CHECK(contains(html, "Final arg-max architecture <b>" + final["indices"].get<std::string>() + "</b>: cost <b>" +
                           format_number(final["cost"].get<double>()) + " MACs</b> against the target 60k"));
  CHECK(count(html, "<g class=\"layer\">") == drawn_layers(final["indices"].get<std::string>()));
  CHECK(contains(html, "share of the MACs"));
}

TEST_CASE("report: a tunas_train run shows accuracy curves and the final accuracy") {
  const std::string dir = fresh_dir("train");
  tunas::train::TrainConfig c = tunas::test::tiny_train_config(dir);
  c.steps = 20;
  c.batch = 16;
  c.eval_batch = 40;
  c.eval_every = 10;
  c.log_every = 4;
  tunas::train::TrainRun(c).run();
  const json result = json::parse(tunas::read_file(dir + "/result.json"));
  const std::string html = tunas::read_file(write_report(dir));
  CHECK(contains(html, "tunas_train run"));
  CHECK(contains(html, "Final validation top-1 accuracy <b>" + format_number(result["top1"].get<double>()) + "</b>"));
  CHECK(count(html, "<circle class=\"curve\"") == 2);  // evaluations at steps 10 and 20
  CHECK(count(html, "<g class=\"layer\">") == drawn_layers(c.indices));
  CHECK(count(html, "heat-strip") == 0);
}

TEST_CASE("report: a lut run's per-layer shares come from its table; measurements are plotted") {
  const std::string dir = fresh_dir("lut");
  tunas::search::SearchRun(tiny_search(dir)).run();
  const RunData plain = read_run(dir);
  const tunas::spaces::Space space = load_run_space(plain);
  const std::string indices = json::parse(tunas::read_file(dir + "/final_architecture.json"))["indices"];
  const auto configs = tunas::latency::network_configs(summarize_architecture(plain, space, indices).network);
  // A table giving configuration i the time i + 1 ms.
  tunas::latency::LutTable table;
  table.settings = tunas::latency::LutSettings::of(space);
  for (std::size_t i = 0; i < configs.size(); ++i) {
    tunas::latency::LutEntry e;
    e.config = configs[i];
    e.timing.median_ms = double(i + 1);
    e.timing.repeats = 1;
    e.timing.p10_ms = e.timing.p90_ms = e.timing.median_ms;
    if (!table.find(configs[i].key())) table.entries.push_back(e);
  }
  table.num_configs = int(table.entries.size());
  table.save(dir + "/table.json");
  json params = plain.params;
  params["cost_model"] = "lut";
  params["lut"] = dir + "/table.json";
  tunas::write_file_atomic(dir + "/params.json", params.dump(2));
  tunas::write_file_atomic(dir + "/lut_validation.json",
                           R"({"architectures": [{"predicted_corrected_ms": 1.5, "measured_median_ms": 1.7},)"
                           R"( {"predicted_corrected_ms": 2.5, "measured_median_ms": 2.4}]})");

  const RunData run = read_run(dir);
  const ArchitectureSummary arch = summarize_architecture(run, space, indices);
  CHECK(arch.cost_name == "LUT latency");
  REQUIRE(arch.layer_cost.size() == configs.size());
  for (std::size_t i = 0; i < configs.size(); ++i)
    CHECK(arch.layer_cost[i] == table.find(configs[i].key())->timing.median_ms);
  CHECK(run.predicted_ms == std::vector<double>{1.5, 2.5});
  CHECK(run.measured_ms == std::vector<double>{1.7, 2.4});
  const std::string html = render_report(run);
  CHECK(contains(html, "share of the LUT latency"));
  CHECK(contains(html, "predicted vs measured (ms)"));
}

TEST_CASE("svg_chart: points land where the axes say; empty charts say so") {
  ChartOptions o;
  o.title = "t";
  o.width = 270;   // plot area x in [58, 258]
  o.height = 162;  // plot area y in [28, 128]
  // y range [0, 1] padded by 5 %: y = 0 -> 128 - 100 * 0.05 / 1.1.
  const std::string svg = line_chart_svg(o, {{"a", "#000", {0, 10}, {0, 1}}});
  const double y0 = 128 - 100 * (0.05 / 1.1), y1 = 128 - 100 * (1.05 / 1.1);
  CHECK(contains(svg, tunas::str_cat("points=\"58,", y0, " 258,", y1, " \"")));
  CHECK(contains(line_chart_svg(o, {{"a", "#000", {}, {}}}), "no data logged yet"));
  CHECK(escape_xml("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;");
  CHECK(format_number(63296) == "63.3k");
  CHECK(format_number(0.0125) == "0.0125");
}

TEST_CASE("svg_chart: heat strips shade probability 0 white and 1 dark blue, merging equal cells") {
  const std::string svg = heat_strip_svg("d", {"a", "b"}, {0, 1, 2, 3}, {{1, 0}, {1, 0}, {0.5, 0.5}, {0, 1}});
  CHECK(count(svg, "<rect") == 6);  // per row: a run of 2 equal cells, then 2 single cells
  CHECK(count(svg, "fill=\"rgb(8,48,107)\"") == 2);
  CHECK(count(svg, "fill=\"rgb(255,255,255)\"") == 2);
  CHECK(contains(svg, ">0%</text>"));
  CHECK(contains(svg, ">100%</text>"));
}
