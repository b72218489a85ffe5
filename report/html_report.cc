#include "report/html_report.h"

#include <cmath>
#include <ctime>
#include <map>

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "latency/plot.h"
#include "report/architecture_view.h"
#include "report/svg_chart.h"

namespace tunas::report {
namespace {

using nlohmann::json;

const char* const kStyle = R"(
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
h3 { font-size: 13px; margin: 12px 0 4px; color: #444; }
.status { color: #555; margin-bottom: 12px; } .warn { color: #b35900; }
table.kv { border-collapse: collapse; font-size: 13px; } table.kv td { padding: 2px 14px 2px 0; vertical-align: top; }
table.kv td:first-child { color: #666; }
.grid { display: flex; flex-wrap: wrap; gap: 10px; } .strips { display: flex; flex-wrap: wrap; gap: 4px 24px; }
.outcome { font-size: 15px; margin: 8px 0; } .outcome b { word-break: break-all; } .ok { color: #2a7d2a; } .over { color: #c0392b; }
)";

std::string text_of(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_float()) return format_number(j.get<double>());
  return json_text(j, -1, "report.html");
}

std::string duration_text(double seconds) {
  if (!(seconds >= 0)) return "?";
  const long s = long(seconds + 0.5);
  if (s >= 3600) return str_cat(s / 3600, " h ", (s / 60) % 60, " min");
  if (s >= 60) return str_cat(s / 60, " min ", s % 60, " s");
  return str_cat(s, " s");
}

std::string row(const std::string& key, const std::string& value) {
  return str_cat("<tr><td>", escape_xml(key), "</td><td>", escape_xml(value), "</td></tr>\n");
}

Curve curve(const RunData& run, const std::string& key, const std::string& label, const std::string& color,
            bool points = false) {
  const Series s = run.series(key);
  return Curve{label, color, s.steps, s.values, points};
}

std::string chart(const std::string& title, const std::string& y_label, const std::vector<Curve>& curves) {
  ChartOptions o;
  o.title = title;
  o.y_label = y_label;
  return line_chart_svg(o, curves);
}

std::string cost_unit(const std::string& model) {
  if (model == "macs") return "MACs";
  if (model == "params") return "parameters";
  return "ms";
}

// Where the run stands: finished, or the latest record of a running or interrupted run.
std::string status_line(const RunData& run) {
  const std::int64_t done = run.steps_logged(), total = run.total_steps();
  std::string s = run.finished() ? str_cat("finished: ", total, " steps")
                                 : str_cat("<span class=\"warn\">not finished: latest record at step ", done,
                                           " of ", total, " (running, or interrupted: resume it with --resume)</span>");
  if (run.records.empty()) s += " &middot; no log records yet";
  return s;
}

std::string settings_table(const RunData& run) {
  const json& p = run.params;
  const json& r = p["resolved"];
  std::string t = "<table class=\"kv\">\n";
  t += row("space", str_cat(r.value("ssd", std::string("?")), "  (", p.value("space", std::string()), ")"));
  t += row("data", str_cat(p.value("data", std::string("?")), ", ", r.value("train_images", 0), " training images, ",
                           r.contains("input_shape") ? str_cat(r["input_shape"][0].get<int>(), "x",
                                                                r["input_shape"][1].get<int>(), "x",
                                                                r["input_shape"][2].get<int>())
                                                      : std::string("?"),
                           ", ", r.value("classes", 0), " classes"));
  if (run.kind == RunKind::search) {
    const std::string model = p.value("cost_model", std::string("?"));
    t += row("cost model", model);
    t += row("target", str_cat(format_number(r.value("rl_cost_model_target", 0.0)), " ", cost_unit(model)));
    t += row("reward", str_cat(p.value("reward", std::string("?")), ", beta ", text_of(p.value("beta", json()))));
    t += row("steps", str_cat(run.steps_logged(), " of ", run.total_steps(), " (", p.value("replicas", 0),
                              " replicas x batch ", p.value("batch", 0), ")"));
    t += row("learning rates", str_cat("model ", format_number(r.value("model_learning_rate", 0.0)), ", policy ",
                                       format_number(r.value("rl_learning_rate", 0.0)), " (",
                                       p.value("policy_lr_schedule", std::string()), ")"));
  } else {
    t += row("architecture", p.value("indices", std::string("?")));
    t += row("steps", str_cat(run.steps_logged(), " of ", run.total_steps(), " (batch ", p.value("batch", 0), ")"));
    t += row("learning rate", format_number(r.value("learning_rate", 0.0)));
  }
  double wall = -1;
  if (run.result && run.result->contains("wall_seconds")) wall = (*run.result)["wall_seconds"].get<double>();
  else if (run.started_unix > 0 && run.last_write_unix > 0) wall = run.last_write_unix - run.started_unix;
  t += row("wall time", duration_text(wall));
  if (const json* last = run.latest_with("images_per_second"))
    t += row("throughput", str_cat(format_number((*last)["images_per_second"].get<double>()), " images/s (latest)"));
  t += row("seed, threads", str_cat(p.value("seed", 0), ", ", p.value("threads", 0)));
  t += row("run directory", run.dir);
  return t + "</table>\n";
}

// The arg-max architecture shown: final_architecture.json when it is the latest, else the
// latest record's arg-max.
std::string current_indices(const RunData& run) {
  if (run.kind == RunKind::train) return run.params.value("indices", std::string());
  const json* last = run.latest_with("argmax/indices");
  if (run.final_architecture &&
      (!last || run.final_architecture->value("step", std::int64_t(0)) >= (*last)["step"].get<std::int64_t>()))
    return (*run.final_architecture)["indices"].get<std::string>();
  return last ? (*last)["argmax/indices"].get<std::string>() : std::string();
}

std::string search_outcome(const RunData& run, const ArchitectureSummary* arch) {
  const json* last = run.latest_with("argmax/cost");
  if (!last) return "<p class=\"outcome\">No arg-max architecture logged yet.</p>\n";
  const std::string model = run.params.value("cost_model", std::string("?"));
  const double target = run.params["resolved"].value("rl_cost_model_target", 0.0);
  double cost = (*last)["argmax/cost"].get<double>();
  if (run.final_architecture && run.finished()) cost = (*run.final_architecture)["cost"].get<double>();
  std::string s = str_cat("<p class=\"outcome\">", run.finished() ? "Final" : "Current", " arg-max architecture <b>",
                          escape_xml(current_indices(run)), "</b>: cost <b>", format_number(cost), " ",
                          cost_unit(model), "</b>");
  if (target > 0) {
    const double pct = 100 * (cost / target - 1);
    s += str_cat(" against the target ", format_number(target), " (<span class=\"",
                 std::abs(pct) <= 5 ? "ok" : "over", "\">", pct >= 0 ? "+" : "", format_number(std::round(pct * 10) / 10),
                 "%</span>)");
  }
  if (run.final_architecture && run.final_architecture->contains("latency_ms"))
    s += str_cat(", simulated Pixel-1 latency ", format_number((*run.final_architecture)["latency_ms"].get<double>()), " ms");
  if (arch) s += str_cat(", ", format_number(double(arch->macs)), " MACs, ", format_number(double(arch->params)), " parameters");
  return s + ".</p>\n";
}

std::string train_outcome(const RunData& run) {
  if (!run.result) {
    const json* ev = run.latest_with("eval/top1");
    return ev ? str_cat("<p class=\"outcome\">Not finished; latest evaluation at step ", (*ev)["step"].get<std::int64_t>(),
                        ": top-1 <b>", format_number((*ev)["eval/top1"].get<double>()), "</b>.</p>\n")
              : std::string("<p class=\"outcome\">Not finished; no evaluation yet.</p>\n");
  }
  const json& r = *run.result;
  return str_cat("<p class=\"outcome\">Final ", escape_xml(r.value("eval_set", std::string("eval"))),
                 " top-1 accuracy <b>", format_number(r.value("top1", 0.0)), "</b> (",
                 r.value("eval_correct", 0), " of ", r.value("eval_images", 0), " images), ",
                 format_number(r.value("macs", 0.0)), " MACs, ", format_number(r.value("params", 0.0)),
                 " parameters.</p>\n");
}

std::string search_curves(const RunData& run) {
  const double target = run.params["resolved"].value("rl_cost_model_target", 0.0);
  const std::string unit = cost_unit(run.params.value("cost_model", std::string()));
  std::string g = "<div class=\"grid\">\n";
  g += chart("Training loss", "loss", {curve(run, "model/loss", "total", "#1f77b4"),
                                                   curve(run, "model/empirical_loss", "cross-entropy", "#ff7f0e")});
  g += chart("Validation accuracy of the sampled paths", "top-1",
                      {curve(run, "rlcontroller/validation_accuracy", "mean over replicas", "#2ca02c")});
  ChartOptions cost;
  cost.title = "Cost: sampled paths and arg-max";
  cost.y_label = unit;
  if (target > 0) {
    cost.reference = target;
    cost.reference_label = "target";
  }
  g += line_chart_svg(cost, {curve(run, "rlcontroller/estimated_cost", "mean sampled", "#9467bd"),
                             curve(run, "argmax/cost", "arg-max", "#17becf")});
  g += chart("Policy entropy", "nats", {curve(run, "rlcontroller/policy_entropy", "entropy", "#8c564b")});
  g += chart("Model learning rate", "lr", {curve(run, "model/learning_rate", "RMSProp", "#1f77b4")});
  g += chart("Policy learning rate", "lr", {curve(run, "rlcontroller/learning_rate", "Adam", "#d62728")});
  g += chart("Reward and baseline", "reward", {curve(run, "rlcontroller/reward", "reward", "#e377c2"),
                                                         curve(run, "rlcontroller/baseline", "baseline", "#7f7f7f")});
  return g + "</div>\n";
}

std::string train_curves(const RunData& run) {
  std::string g = "<div class=\"grid\">\n";
  g += chart("Training loss", "loss", {curve(run, "loss", "total", "#1f77b4"),
                                                   curve(run, "empirical_loss", "cross-entropy", "#ff7f0e")});
  g += chart("Accuracy", "top-1", {curve(run, "train_top1", "training batch", "#2ca02c"),
                                              curve(run, "eval/top1", "evaluation", "#d62728", true)});
  g += chart("Learning rate", "lr", {curve(run, "learning_rate", "RMSProp", "#1f77b4")});
  return g + "</div>\n";
}

// The "blocks/<n>" a decision path belongs to ("" for none).
std::string block_of(const std::string& path) {
  if (path.rfind("blocks/", 0) != 0) return "";
  const auto end = path.find('/', 7);
  return path.substr(0, end);
}

std::string policy_strips(const RunData& run, const spaces::Space* space) {
  std::map<std::string, const spaces::Decision*> by_path;
  if (space)
    for (const auto& d : space->decisions) by_path[d.path] = &d;
  // Decision paths in the order of the space (the records' objects are sorted by key).
  std::vector<std::string> paths;
  if (const json* last = run.latest_with("probabilities")) {
    for (const auto& [path, _] : (*last)["probabilities"].items()) paths.push_back(path);
    if (space) {
      std::vector<std::string> ordered;
      for (const auto& d : space->decisions)
        if ((*last)["probabilities"].contains(d.path)) ordered.push_back(d.path);
      if (ordered.size() == paths.size()) paths = ordered;
    }
  }
  if (paths.empty()) return "<p>No probabilities logged yet.</p>\n";
  std::string out, current_block = "?";
  for (const std::string& path : paths) {
    std::vector<double> steps;
    std::vector<std::vector<double>> probs;
    for (const json& rec : run.records) {
      const auto it = rec.find("probabilities");
      if (it == rec.end() || !it->contains(path)) continue;
      steps.push_back(rec["step"].get<double>());
      probs.push_back((*it)[path].get<std::vector<double>>());
    }
    std::vector<std::string> labels;
    const auto d = by_path.find(path);
    for (std::size_t c = 0; c < probs.back().size(); ++c)
      labels.push_back(d != by_path.end() && c < d->second->choices.size() ? d->second->choices[c].label
                                                                           : std::to_string(c));
    const std::string block = block_of(path);
    if (block != current_block) {
      if (current_block != "?") out += "</div>\n";
      out += str_cat("<h3>", escape_xml(block.empty() ? std::string("other") : block), "</h3>\n<div class=\"strips\">\n");
      current_block = block;
    }
    const std::string title = block.empty() ? path : path.substr(block.size() + 1);
    out += heat_strip_svg(title, labels, steps, probs);
  }
  return out + "</div>\n";
}

}  // namespace

std::string render_report(const RunData& run) {
  const bool search = run.kind == RunKind::search;
  std::string html = str_cat("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tunas report: ",
                             escape_xml(run.dir), "</title>\n<style>", kStyle, "</style></head><body>\n");
  html += str_cat("<h1>", search ? "tunas_search" : "tunas_train", " run: ", escape_xml(run.dir), "</h1>\n");
  char when[64] = "";
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  html += str_cat("<div class=\"status\">", status_line(run), " &middot; report written ", when, "</div>\n");

  // The architecture needs the run's space; a run whose space cannot be read still gets a report.
  std::optional<spaces::Space> space;
  std::optional<ArchitectureSummary> arch;
  std::string arch_error;
  try {
    space = load_run_space(run);
    const std::string indices = current_indices(run);
    if (!indices.empty()) arch = summarize_architecture(run, *space, indices);
  } catch (const std::exception& e) {
    arch_error = e.what();
  }

  html += "<h2>Settings and outcome</h2>\n" + settings_table(run);
  html += search ? search_outcome(run, arch ? &*arch : nullptr) : train_outcome(run);
  html += "<h2>Curves</h2>\n" + (search ? search_curves(run) : train_curves(run));
  if (search) {
    html += "<h2>Policy: probability of each choice over the steps</h2>\n";
    html += policy_strips(run, space ? &*space : nullptr);
  }
  html += str_cat("<h2>", search ? (run.finished() ? "Final architecture" : "Current arg-max architecture")
                                 : "Architecture", "</h2>\n");
  if (arch) {
    html += str_cat("<p>", escape_xml(arch->indices), " &middot; bars: share of the ", arch->cost_name,
                    arch->cost_name == "MACs" ? " (per-layer latency needs a --cost-model lut run)" : "", "</p>\n");
    html += architecture_svg(*arch);
  } else {
    html += str_cat("<p>", arch_error.empty() ? "No architecture logged yet." : escape_xml(arch_error), "</p>\n");
  }
  if (!run.predicted_ms.empty()) {
    html += "<h2>Latency: lookup-table prediction vs measurement</h2>\n";
    html += latency::scatter_svg("predicted vs measured (ms)", "predicted latency (ms)", "measured latency (ms)",
                                 {{"architectures", "#1f77b4", run.predicted_ms, run.measured_ms}});
  }
  return html + "</body></html>\n";
}

std::string write_report(const std::string& run_dir) {
  const RunData run = read_run(run_dir);
  const std::string path = run_dir + "/report.html";
  write_file_atomic(path, render_report(run));
  return path;
}

}  // namespace tunas::report
