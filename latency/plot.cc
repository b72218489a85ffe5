#include "latency/plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace tunas::latency {

std::string scatter_svg(const std::string& title, const std::string& x_label,
                        const std::string& y_label, const std::vector<Series>& series) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series& s : series) {
    for (double v : s.x) lo = std::min(lo, v), hi = std::max(hi, v);
    for (double v : s.y) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (!(hi > lo)) hi = lo + 1;
  const double pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const double w = 560, h = 560, left = 70, top = 40, size = 440;
  auto px = [&](double v) { return left + (v - lo) / (hi - lo) * size; };
  auto py = [&](double v) { return top + size - (v - lo) / (hi - lo) * size; };
  std::string svg = str_cat("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", w, "\" height=\"", h,
                            "\" font-family=\"sans-serif\" font-size=\"12\">\n",
                            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
                            "<text x=\"", w / 2, "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">",
                            title, "</text>\n");
  svg += str_cat("<rect x=\"", left, "\" y=\"", top, "\" width=\"", size, "\" height=\"", size,
                 "\" fill=\"none\" stroke=\"black\"/>\n");
  svg += str_cat("<line x1=\"", px(lo), "\" y1=\"", py(lo), "\" x2=\"", px(hi), "\" y2=\"", py(hi),
                 "\" stroke=\"gray\" stroke-dasharray=\"4 4\"/>\n");
  const double step = std::pow(10.0, std::floor(std::log10((hi - lo) / 5)));
  const double tick = (hi - lo) / step > 10 ? 2 * step : step;
  for (double t = std::ceil(lo / tick) * tick; t <= hi; t += tick) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", std::round(t / tick) * tick);
    svg += str_cat("<text x=\"", px(t), "\" y=\"", top + size + 16, "\" text-anchor=\"middle\">", buf,
                   "</text>\n<text x=\"", left - 6, "\" y=\"", py(t) + 4, "\" text-anchor=\"end\">", buf,
                   "</text>\n");
  }
  svg += str_cat("<text x=\"", left + size / 2, "\" y=\"", top + size + 36, "\" text-anchor=\"middle\">",
                 x_label, "</text>\n<text transform=\"translate(18,", top + size / 2,
                 ") rotate(-90)\" text-anchor=\"middle\">", y_label, "</text>\n");
  double ly = top + 14;
  for (const Series& s : series) {
    for (std::size_t i = 0; i < s.x.size(); ++i)
      svg += str_cat("<circle cx=\"", px(s.x[i]), "\" cy=\"", py(s.y[i]), "\" r=\"3\" fill=\"", s.color,
                     "\" fill-opacity=\"0.6\"/>\n");
    svg += str_cat("<circle cx=\"", left + 12, "\" cy=\"", ly - 4, "\" r=\"4\" fill=\"", s.color,
                   "\"/><text x=\"", left + 22, "\" y=\"", ly, "\">", s.label, "</text>\n");
    ly += 16;
  }
  return svg + "</svg>\n";
}

}  // namespace tunas::latency
