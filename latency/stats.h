// Agreement figures for the table-vs-measured validation (paper Figure 4) and the correction
// fit. All take equal-length vectors with at least 2 entries (tunas::Error otherwise).
#pragma once

#include <vector>

namespace tunas::latency {

double pearson(const std::vector<double>& x, const std::vector<double>& y);
// Pearson of the ranks; ties get their average rank.
double spearman(const std::vector<double>& x, const std::vector<double>& y);
// 100 * mean(|predicted - measured| / measured).
double mape_percent(const std::vector<double>& predicted, const std::vector<double>& measured);

// Least squares y ~ scale * x + offset (Eigen, QR). Returns {scale, offset}.
struct LinearFit {
  double scale = 1, offset = 0;
};
LinearFit fit_linear(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace tunas::latency
