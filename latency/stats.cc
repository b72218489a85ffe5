#include "latency/stats.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace tunas::latency {
namespace {

void check(const std::vector<double>& x, const std::vector<double>& y, const char* what) {
  TUNAS_REQUIRE(x.size() == y.size(), what, ": sizes differ (", x.size(), " vs ", y.size(), ")");
  TUNAS_REQUIRE(x.size() >= 2, what, ": needs at least 2 points, got ", x.size());
}

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double avg = 0.5 * double(i + j) + 1.0;
    for (std::size_t k = i; k <= j; ++k) r[order[k]] = avg;
    i = j + 1;
  }
  return r;
}

}  // namespace

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  check(x, y, "pearson");
  const double n = double(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  TUNAS_REQUIRE(sxx > 0 && syy > 0, "pearson: a constant series has no correlation");
  return sxy / std::sqrt(sxx * syy);
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  check(x, y, "spearman");
  return pearson(ranks(x), ranks(y));
}

double mape_percent(const std::vector<double>& predicted, const std::vector<double>& measured) {
  check(predicted, measured, "mape");
  double s = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    TUNAS_REQUIRE(measured[i] != 0, "mape: measured value ", i, " is 0");
    s += std::abs(predicted[i] - measured[i]) / std::abs(measured[i]);
  }
  return 100.0 * s / double(predicted.size());
}

LinearFit fit_linear(const std::vector<double>& x, const std::vector<double>& y) {
  check(x, y, "fit_linear");
  Eigen::MatrixXd a(x.size(), 2);
  Eigen::VectorXd b(y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    a(Eigen::Index(i), 0) = x[i];
    a(Eigen::Index(i), 1) = 1.0;
    b(Eigen::Index(i)) = y[i];
  }
  const Eigen::VectorXd w = a.colPivHouseholderQr().solve(b);
  return {w(0), w(1)};
}

}  // namespace tunas::latency
