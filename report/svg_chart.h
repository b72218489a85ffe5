// Inline SVG charts for report.html (no plotting library, no scripts): line charts over
// steps and the heat strips of a decision's choice probabilities (TuNAS paper, Figure 5).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tunas::report {

struct Curve {
  std::string label, color;
  std::vector<double> x, y;
  bool points = false;  // markers instead of a line (sparse series such as evaluations)
};

struct ChartOptions {
  std::string title;
  std::string y_label;
  std::optional<double> reference;  // a dashed horizontal line (the latency target)
  std::string reference_label;
  int width = 410, height = 230;  // three to a row in a 1300 px window
};

// <svg class="chart">: axes with round ticks, one <polyline class="curve"> per non-empty curve
// and a legend. A chart without data says so instead of drawing axes.
std::string line_chart_svg(const ChartOptions& options, const std::vector<Curve>& curves);

// <svg class="heat-strip">: one row per choice (labelled), one column per logged step,
// colour = probability (white 0 .. dark blue 1), the final probability printed at the right.
// probabilities[i][c] is choice c at steps[i]. Long runs are shown on at most `columns`
// columns (nearest logged step), and equal neighbouring cells are merged.
std::string heat_strip_svg(const std::string& title, const std::vector<std::string>& choice_labels,
                           const std::vector<double>& steps,
                           const std::vector<std::vector<double>>& probabilities, int columns = 160);

// Text for SVG/HTML: &, <, >, " escaped.
std::string escape_xml(const std::string& text);
// Compact number for labels: 4 significant digits, k/M/G from 10^4 ("0.0012", "84.5", "63.3k", "1.5M").
std::string format_number(double v);

}  // namespace tunas::report
