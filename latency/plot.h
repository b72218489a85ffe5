// A small SVG scatter plot (predicted vs measured, with the y = x line) for the validation
// figure; no plotting dependency.
#pragma once

#include <string>
#include <vector>

namespace tunas::latency {

struct Series {
  std::string label, color;
  std::vector<double> x, y;
};

std::string scatter_svg(const std::string& title, const std::string& x_label,
                        const std::string& y_label, const std::vector<Series>& series);

}  // namespace tunas::latency
