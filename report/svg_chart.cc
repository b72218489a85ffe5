#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.h"

namespace tunas::report {
namespace {

// Round tick spacing (1, 2 or 5 x 10^k) giving about `target` ticks over [lo, hi].
double tick_step(double lo, double hi, int target) {
  const double raw = (hi - lo) / target;
  const double base = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (base * m >= raw) return base * m;
  return base * 10;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(hi >= lo); }
  void widen() {  // a flat series gets a visible band around it
    if (hi > lo) return;
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
};

}  // namespace

std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_number(double v) {
  char buf[32];
  const double a = std::abs(v);
  if (a >= 1e9) std::snprintf(buf, sizeof buf, "%.4gG", v / 1e9);
  else if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.4gM", v / 1e6);
  else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%.4gk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string line_chart_svg(const ChartOptions& o, const std::vector<Curve>& curves) {
  const double left = 58, right = 12, top = 28, bottom = 34;
  const double pw = o.width - left - right, ph = o.height - top - bottom;
  Range xr, yr;
  for (const Curve& c : curves) {
    for (double v : c.x) xr.add(v);
    for (double v : c.y) yr.add(v);
  }
  if (o.reference && !yr.empty()) yr.add(*o.reference);
  std::string svg = str_cat("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"", o.width,
                            "\" height=\"", o.height, "\" viewBox=\"0 0 ", o.width, " ", o.height,
                            "\" font-family=\"sans-serif\" font-size=\"11\">\n",
                            "<text x=\"", left, "\" y=\"16\" font-size=\"13\" font-weight=\"bold\">",
                            escape_xml(o.title), "</text>\n");
  if (xr.empty() || yr.empty()) {
    return svg + str_cat("<text x=\"", o.width / 2, "\" y=\"", o.height / 2,
                         "\" text-anchor=\"middle\" fill=\"#888\">no data logged yet</text>\n</svg>\n");
  }
  xr.widen();
  yr.widen();
  const double ypad = 0.05 * (yr.hi - yr.lo);
  yr.lo -= ypad;
  yr.hi += ypad;
  auto px = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  auto py = [&](double y) { return top + ph - (y - yr.lo) / (yr.hi - yr.lo) * ph; };
  svg += str_cat("<rect x=\"", left, "\" y=\"", top, "\" width=\"", pw, "\" height=\"", ph,
                 "\" fill=\"#fafafa\" stroke=\"#999\"/>\n");
  const double ys = tick_step(yr.lo, yr.hi, 4);
  for (double t = std::ceil(yr.lo / ys) * ys; t <= yr.hi; t += ys) {
    const double v = std::abs(t) < ys * 1e-9 ? 0 : t;
    svg += str_cat("<line x1=\"", left, "\" x2=\"", left + pw, "\" y1=\"", py(v), "\" y2=\"", py(v),
                   "\" stroke=\"#e4e4e4\"/><text x=\"", left - 4, "\" y=\"", py(v) + 4,
                   "\" text-anchor=\"end\">", format_number(v), "</text>\n");
  }
  const double xs = std::max(1.0, tick_step(xr.lo, xr.hi, 5));
  for (double t = std::ceil(xr.lo / xs) * xs; t <= xr.hi; t += xs) {
    svg += str_cat("<text x=\"", px(t), "\" y=\"", top + ph + 14, "\" text-anchor=\"middle\">",
                   format_number(t), "</text>\n");
  }
  svg += str_cat("<text x=\"", left + pw / 2, "\" y=\"", o.height - 4, "\" text-anchor=\"middle\" fill=\"#555\">step</text>\n");
  if (!o.y_label.empty()) {
    svg += str_cat("<text transform=\"translate(12,", top + ph / 2, ") rotate(-90)\" text-anchor=\"middle\" fill=\"#555\">",
                   escape_xml(o.y_label), "</text>\n");
  }
  if (o.reference) {
    svg += str_cat("<line class=\"reference\" x1=\"", left, "\" x2=\"", left + pw, "\" y1=\"", py(*o.reference),
                   "\" y2=\"", py(*o.reference), "\" stroke=\"#d62728\" stroke-dasharray=\"5 4\"/>\n");
  }
  double legend_x = left + 6;
  for (const Curve& c : curves) {
    if (c.x.empty()) continue;
    if (c.points) {
      for (std::size_t i = 0; i < c.x.size(); ++i)
        svg += str_cat("<circle class=\"curve\" cx=\"", px(c.x[i]), "\" cy=\"", py(c.y[i]), "\" r=\"3\" fill=\"",
                       c.color, "\"/>\n");
    } else {
      svg += str_cat("<polyline class=\"curve\" fill=\"none\" stroke=\"", c.color, "\" stroke-width=\"1.5\" points=\"");
      for (std::size_t i = 0; i < c.x.size(); ++i)
        if (std::isfinite(c.y[i])) svg += str_cat(px(c.x[i]), ",", py(c.y[i]), " ");
      svg += "\"/>\n";
    }
    svg += str_cat("<rect x=\"", legend_x, "\" y=\"", top + 5, "\" width=\"10\" height=\"3\" fill=\"", c.color,
                   "\"/><text x=\"", legend_x + 13, "\" y=\"", top + 10, "\">", escape_xml(c.label), "</text>\n");
    legend_x += 22 + 6.2 * double(c.label.size());
  }
  if (o.reference) {
    svg += str_cat("<rect x=\"", legend_x, "\" y=\"", top + 5, "\" width=\"10\" height=\"3\" fill=\"#d62728\"/>",
                   "<text x=\"", legend_x + 13, "\" y=\"", top + 10, "\">", escape_xml(o.reference_label),
                   "</text>\n");
  }
  return svg + "</svg>\n";
}

std::string heat_strip_svg(const std::string& title, const std::vector<std::string>& choice_labels,
                           const std::vector<double>& steps,
                           const std::vector<std::vector<double>>& probabilities, int columns) {
  TUNAS_CHECK(steps.size() == probabilities.size());
  const int choices = int(choice_labels.size());
  const double label_w = 78, cell_h = 11, strip_w = 260, value_w = 40, top = 16;
  const int n = int(steps.size());
  const int cols = std::max(1, std::min(n, columns));
  const double cell_w = strip_w / cols;
  const double height = top + cell_h * choices + 4;
  std::string svg = str_cat("<svg class=\"heat-strip\" xmlns=\"http://www.w3.org/2000/svg\" width=\"",
                            label_w + strip_w + value_w, "\" height=\"", height,
                            "\" font-family=\"sans-serif\" font-size=\"10\">\n<text x=\"0\" y=\"11\" font-weight=\"bold\">",
                            escape_xml(title), "</text>\n");
  for (int c = 0; c < choices; ++c) {
    const double y = top + c * cell_h;
    svg += str_cat("<text x=\"", label_w - 4, "\" y=\"", y + cell_h - 2, "\" text-anchor=\"end\">",
                   escape_xml(choice_labels[std::size_t(c)]), "</text>\n");
    if (n == 0) continue;
    // Column k shows the logged step nearest to its position; runs of one colour are merged.
    int run_start = 0, run_level = -1;
    auto flush = [&](int end) {
      if (run_level < 0) return;
      // 32 levels from white (p = 0) to dark blue rgb(8, 48, 107) (p = 1).
      const double t = run_level / 31.0;
      auto mix = [t](int to) { return int(std::lround(255 + t * (to - 255))); };
      svg += str_cat("<rect x=\"", label_w + run_start * cell_w, "\" y=\"", y, "\" width=\"",
                     (end - run_start) * cell_w + 0.3, "\" height=\"", cell_h - 1, "\" fill=\"rgb(",
                     mix(8), ",", mix(48), ",", mix(107), ")\"/>");
    };
    for (int k = 0; k < cols; ++k) {
      const int i = cols == 1 ? n - 1 : int(std::lround(double(k) * (n - 1) / (cols - 1)));
      const auto& row = probabilities[std::size_t(i)];
      const double p = c < int(row.size()) ? row[std::size_t(c)] : 0.0;
      const int level = std::clamp(int(std::lround(p * 31)), 0, 31);
      if (level != run_level) {
        flush(k);
        run_start = k;
        run_level = level;
      }
    }
    flush(cols);
    const auto& last = probabilities.back();
    svg += str_cat("\n<text x=\"", label_w + strip_w + 4, "\" y=\"", y + cell_h - 2, "\">",
                   c < int(last.size()) ? format_number(std::round(last[std::size_t(c)] * 1000) / 10) : "?",
                   "%</text>\n");
  }
  return svg + "</svg>\n";
}

}  // namespace tunas::report
