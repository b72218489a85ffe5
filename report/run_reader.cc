#include "report/run_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "core/files.h"

namespace tunas::report {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json_file(const std::string& path) {
  json j = json::parse(read_file(path), nullptr, /*allow_exceptions=*/false);
  TUNAS_REQUIRE(!j.is_discarded(), path, ": not valid JSON");
  return j;
}

std::optional<json> read_optional(const std::string& path) {
  if (!file_exists(path)) return std::nullopt;
  return read_json_file(path);
}

double file_time(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return double(st.st_mtim.tv_sec) + 1e-9 * double(st.st_mtim.tv_nsec);
}

void read_measurements(RunData& run) {
  if (auto v = read_optional((fs::path(run.dir) / "lut_validation.json").string())) {
    for (const json& row : v->value("architectures", json::array())) {
      if (row.contains("predicted_corrected_ms") && row.contains("measured_median_ms")) {
        run.predicted_ms.push_back(row["predicted_corrected_ms"].get<double>());
        run.measured_ms.push_back(row["measured_median_ms"].get<double>());
      }
    }
  }
  if (auto m = read_optional((fs::path(run.dir) / "latency_measurement.json").string())) {
    if (m->contains("predicted_ms") && m->contains("measured_median_ms")) {
      run.predicted_ms.push_back((*m)["predicted_ms"].get<double>());
      run.measured_ms.push_back((*m)["measured_median_ms"].get<double>());
    }
  }
}

}  // namespace

RunData read_run(const std::string& dir) {
  TUNAS_REQUIRE(fs::is_directory(dir), dir, ": no such run directory");
  RunData run;
  run.dir = dir;
  const fs::path params_path = fs::path(dir) / "params.json";
  TUNAS_REQUIRE(fs::exists(params_path), dir,
                " is not a run directory of tunas_search or tunas_train (no params.json)");
  run.params = read_json_file(params_path.string());
  // Runs since the spec §7.1 keys moved to params.json's top level (max_global_step,
  // rl_cost_model_target, ssd, ...) keep only the derived values under "resolved"; older
  // runs kept everything there. The report reads one view: "resolved" completed by the
  // top-level keys it does not hold.
  if (!run.params.contains("resolved") || !run.params["resolved"].is_object())
    run.params["resolved"] = json::object();
  for (const auto& [key, value] : run.params.items())
    if (key != "resolved" && !run.params["resolved"].contains(key)) run.params["resolved"][key] = value;
  const json& resolved = run.params["resolved"];
  if (resolved.contains("max_global_step")) run.kind = RunKind::search;
  else if (resolved.contains("total_steps")) run.kind = RunKind::train;
  else throw Error(str_cat(params_path.string(), ": no max_global_step (tunas_search) or "
                           "total_steps (tunas_train): not written by a tunas tool"));

  const fs::path log_path = fs::path(dir) / "log.jsonl";
  if (fs::exists(log_path)) {
    std::istringstream in(read_file(log_path.string()));
    std::string line;
    while (std::getline(in, line)) {
      json rec = json::parse(line, nullptr, /*allow_exceptions=*/false);
      // A line being written (or cut by a kill) is not a record yet.
      if (rec.is_object() && rec.contains("step") && rec["step"].is_number()) run.records.push_back(std::move(rec));
    }
    run.last_write_unix = file_time(log_path);
  }
  run.final_architecture = read_optional((fs::path(dir) / "final_architecture.json").string());
  run.result = read_optional((fs::path(dir) / "result.json").string());
  read_measurements(run);
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string prefix = "events.out.tfevents.";
    if (name.rfind(prefix, 0) != 0) continue;
    const double t = std::atof(name.c_str() + prefix.size());
    if (t > 0 && (run.started_unix < 0 || t < run.started_unix)) run.started_unix = t;
  }
  return run;
}

std::int64_t RunData::total_steps() const {
  const json& r = params["resolved"];
  return kind == RunKind::search ? r["max_global_step"].get<std::int64_t>()
                                 : r["total_steps"].get<std::int64_t>();
}

std::int64_t RunData::steps_logged() const {
  std::int64_t last = 0;
  for (const json& rec : records)
    if (!rec.contains("eval/top1")) last = std::max(last, rec["step"].get<std::int64_t>() + 1);
  return last;
}

bool RunData::finished() const {
  if (kind == RunKind::train) return result.has_value();
  return final_architecture && final_architecture->value("step", std::int64_t(-1)) >= total_steps();
}

Series RunData::series(const std::string& key) const {
  Series s;
  for (const json& rec : records) {
    const auto it = rec.find(key);
    if (it == rec.end() || !it->is_number()) continue;
    s.steps.push_back(rec["step"].get<double>());
    s.values.push_back(it->get<double>());
  }
  return s;
}

const json* RunData::latest_with(const std::string& key) const {
  for (auto it = records.rbegin(); it != records.rend(); ++it)
    if (it->contains(key)) return &*it;
  return nullptr;
}

}  // namespace tunas::report
