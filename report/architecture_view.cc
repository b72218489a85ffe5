#include "report/architecture_view.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "core/files.h"
#include "latency/layer_config.h"
#include "latency/lut_table.h"
#include "report/svg_chart.h"
#include "search_spaces/catalog.h"
#include "search_spaces/indices.h"

namespace tunas::report {
namespace {

using spaces::LayerKind;

bool drawn(const spaces::ResolvedLayer& l) {
  return l.kind != LayerKind::activation && l.kind != LayerKind::detection_endpoint;
}

const char* kind_color(LayerKind kind) {
  switch (kind) {
    case LayerKind::conv: return "#4e79a7";
    case LayerKind::sepconv: return "#59a14f";
    case LayerKind::bottleneck: return "#f28e2b";
    case LayerKind::global_avg_pool: return "#76b7b2";
    case LayerKind::zero: return "#d0ccc8";
    case LayerKind::activation:
    case LayerKind::detection_endpoint:
    case LayerKind::residual:
    case LayerKind::choice: return "#9c755f";
  }
  return "#9c755f";
}

std::string layer_label(const spaces::ResolvedLayer& l) {
  const std::string kernel = str_cat(l.kernel_size, "x", l.kernel_size);
  const std::string stride = l.strides != 1 ? str_cat("  stride ", l.strides) : "";
  switch (l.kind) {
    case LayerKind::conv: return str_cat("conv ", kernel, "  -> ", l.out_channels, stride);
    case LayerKind::sepconv: return str_cat("sepconv ", kernel, "  -> ", l.out_channels, stride);
    case LayerKind::bottleneck:
      return str_cat("bottleneck ", kernel, "  expand ", l.expansion, " (x",
                     format_number(double(l.expansion) / std::max(1, l.in_channels)), ")  -> ",
                     l.out_channels, l.use_se ? "  SE" : "", stride);
    case LayerKind::global_avg_pool: return "global average pool";
    case LayerKind::zero: return l.residual ? "skipped (identity)" : "zero";
    case LayerKind::activation:
    case LayerKind::detection_endpoint:
    case LayerKind::residual:
    case LayerKind::choice: return spaces::layer_kind_name(l.kind);
  }
  return spaces::layer_kind_name(l.kind);
}

}  // namespace

spaces::Space load_run_space(const RunData& run) {
  const std::string copy = run.dir + "/space.yaml";
  const std::string source = file_exists(copy) ? copy : run.params.value("space", std::string());
  TUNAS_REQUIRE(!source.empty(), run.dir, ": no space.yaml and no \"space\" in params.json");
  spaces::Space space = spaces::load_space(source);
  const nlohmann::json& r = run.params["resolved"];
  TUNAS_REQUIRE(r.contains("input_shape") && r.contains("classes"), run.dir,
                "/params.json: resolved.input_shape or resolved.classes missing");
  const bool proxy = run.params.value("proxy", false);
  spaces::configure_data_network(space, r["input_shape"][0].get<int>(), r["input_shape"][2].get<int>(),
                                 r["classes"].get<int>(), run.params.value("width_multiplier", 1.0),
                                 proxy ? run.params.value("proxy_layers", 0) : 0);
  return space;
}

ArchitectureSummary summarize_architecture(const RunData& run, const spaces::Space& space,
                                           const std::string& indices) {
  ArchitectureSummary a;
  a.indices = indices;
  a.network = spaces::resolve(space, spaces::parse_indices(space, indices));
  a.macs = spaces::count_macs(a.network);
  a.params = spaces::count_params(a.network);
  const std::string lut = run.params.value("lut", std::string());
  if (run.params.value("cost_model", std::string()) == "lut" && file_exists(lut)) {
    const latency::LutTable table = latency::LutTable::load(lut);
    for (const latency::LayerConfig& c : latency::network_configs(a.network)) {
      const latency::LutEntry* e = table.find(c.key());
      a.layer_cost.push_back(e ? e->timing.median_ms : 0.0);
    }
    a.cost_name = "LUT latency";
  } else {
    for (const auto& l : a.network.layers) a.layer_cost.push_back(double(spaces::layer_macs(l)));
    // The classifier: what count_macs adds beyond the layers.
    a.layer_cost.push_back(double(a.macs) - std::accumulate(a.layer_cost.begin(), a.layer_cost.end(), 0.0));
    a.cost_name = "MACs";
  }
  return a;
}

std::string architecture_svg(const ArchitectureSummary& a) {
  const auto& layers = a.network.layers;
  const double total = std::max(1e-12, std::accumulate(a.layer_cost.begin(), a.layer_cost.end(), 0.0));
  // Rows: the drawn layers, then the classifier. An activation's cost goes to the layer before.
  struct Row {
    std::string label, color;
    int block = -1;
    bool residual = false, dashed = false;
    double cost = 0;
  };
  std::vector<Row> rows;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    const double cost = i < a.layer_cost.size() ? a.layer_cost[i] : 0.0;
    if (!drawn(l)) {
      if (!rows.empty()) rows.back().cost += cost;
      if (l.kind == LayerKind::activation && !rows.empty() && rows.back().label.find(" + ") == std::string::npos)
        rows.back().label += str_cat(" + ", spaces::activation_name(l.activation));
      continue;
    }
    rows.push_back({layer_label(l), kind_color(l.kind), l.block, l.residual && l.kind != LayerKind::zero,
                    l.kind == LayerKind::zero, cost});
  }
  rows.push_back({str_cat("classifier 1x1  -> ", a.network.classes), "#b07aa1", -1, false, false,
                  a.layer_cost.size() > layers.size() ? a.layer_cost.back() : 0.0});

  const double row_h = 24, top = 8, box_x = 92, box_w = 380, bar_x = box_x + box_w + 16, bar_w = 150;
  const double height = top + row_h * double(rows.size()) + 8;
  std::string svg = str_cat("<svg class=\"architecture\" xmlns=\"http://www.w3.org/2000/svg\" width=\"",
                            bar_x + bar_w + 70, "\" height=\"", height,
                            "\" font-family=\"sans-serif\" font-size=\"11\">\n");
  // Block bands, then the data path behind the boxes.
  for (std::size_t i = 0; i < rows.size();) {
    std::size_t j = i;
    while (j < rows.size() && rows[j].block == rows[i].block) ++j;
    const bool odd = rows[i].block % 2 != 0;
    svg += str_cat("<rect x=\"0\" y=\"", top + row_h * i - 2, "\" width=\"", bar_x + bar_w + 70, "\" height=\"",
                   row_h * (j - i), "\" fill=\"", odd ? "#f3f3f3" : "#ffffff", "\"/>\n<text x=\"6\" y=\"",
                   top + row_h * i + 14, "\" fill=\"#555\">",
                   rows[i].block >= 0 ? str_cat("block ", rows[i].block) : std::string("head"), "</text>\n");
    i = j;
  }
  svg += str_cat("<line x1=\"", box_x + box_w / 2, "\" x2=\"", box_x + box_w / 2, "\" y1=\"", top + 10, "\" y2=\"",
                 top + row_h * (rows.size() - 1) + 10, "\" stroke=\"#666\"/>\n");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    const double y = top + row_h * i;
    const double share = r.cost / total;
    svg += str_cat("<g class=\"layer\"><rect x=\"", box_x, "\" y=\"", y, "\" width=\"", box_w, "\" height=\"",
                   row_h - 6, "\" rx=\"4\" fill=\"", r.color, "\"",
                   r.dashed ? " fill-opacity=\"0.5\" stroke=\"#888\" stroke-dasharray=\"3 3\"" : "",
                   "/><text x=\"", box_x + 8, "\" y=\"", y + 13, "\" fill=\"", r.dashed ? "#444" : "#fff",
                   "\">", escape_xml(r.label), "</text>");
    if (r.residual) {
      svg += str_cat("<path d=\"M ", box_x, " ", y - 3, " C ", box_x - 22, " ", y - 3, " ", box_x - 22, " ",
                     y + row_h - 3, " ", box_x, " ", y + row_h - 3,
                     "\" fill=\"none\" stroke=\"#e15759\" stroke-width=\"1.5\"/><text x=\"", box_x - 20, "\" y=\"",
                     y + row_h - 1, "\" fill=\"#e15759\" font-size=\"10\">+</text>");
    }
    svg += str_cat("<rect x=\"", bar_x, "\" y=\"", y + 4, "\" width=\"", bar_w, "\" height=\"", row_h - 14,
                   "\" fill=\"#eee\"/><rect x=\"", bar_x, "\" y=\"", y + 4, "\" width=\"", bar_w * share,
                   "\" height=\"", row_h - 14, "\" fill=\"#555\"/><text x=\"", bar_x + bar_w + 6, "\" y=\"", y + 13,
                   "\">", format_number(std::round(share * 1000) / 10), "%</text></g>\n");
  }
  return svg + "</svg>\n";
}

}  // namespace tunas::report
