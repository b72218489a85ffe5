#include "datasets/resample.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tunas::datasets {

namespace {

double bilinear_filter(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double bicubic_filter(double x) {
  constexpr double a = -0.5;  // Pillow's choice (TF's resize_bicubic uses -0.75)
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

}  // namespace

const char* resize_filter_name(ResizeFilter filter) {
  switch (filter) {
    case ResizeFilter::bilinear: return "bilinear";
    case ResizeFilter::bicubic: return "bicubic";
  }
  return "?";
}

ResizeFilter parse_resize_filter(const std::string& name, const std::string& where) {
  if (name == "bilinear") return ResizeFilter::bilinear;
  if (name == "bicubic") return ResizeFilter::bicubic;
  throw Error(str_cat(where, ": unknown resize filter '", name, "'; valid: bilinear, bicubic"));
}

ResampleTaps resample_taps(int in_size, double box0, double box1, int out_size, ResizeFilter filter) {
  TUNAS_CHECK(in_size > 0 && out_size > 0 && box0 >= 0 && box1 <= in_size && box1 > box0,
              "resample taps: in ", in_size, " box [", box0, ", ", box1, ") out ", out_size);
  const double support_1 = filter == ResizeFilter::bicubic ? 2.0 : 1.0;
  double (*f)(double) = filter == ResizeFilter::bicubic ? bicubic_filter : bilinear_filter;
  const double scale = (box1 - box0) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = support_1 * filterscale;
  ResampleTaps taps;
  taps.max_count = int(std::ceil(support)) * 2 + 1;
  taps.first.resize(out_size);
  taps.count.resize(out_size);
  taps.weights.assign(std::size_t(out_size) * taps.max_count, 0.f);
  std::vector<double> w(std::size_t(taps.max_count));
  for (int o = 0; o < out_size; ++o) {
    const double centre = box0 + (o + 0.5) * scale;
    // C truncation towards zero, as Pillow's (int) casts.
    const int lo = std::max(int(centre - support + 0.5), 0);
    const int hi = std::min(int(centre + support + 0.5), in_size);
    const int count = std::min(hi - lo, taps.max_count);
    const double ss = 1.0 / filterscale;
    double sum = 0;
    for (int k = 0; k < count; ++k) {
      w[k] = f((k + lo - centre + 0.5) * ss);
      sum += w[k];
    }
    for (int k = 0; k < count; ++k)
      taps.weights[std::size_t(o) * taps.max_count + k] = float(sum != 0 ? w[k] / sum : w[k]);
    taps.first[o] = lo;
    taps.count[o] = count;
  }
  return taps;
}

void resample(const std::uint8_t* src, int h, int w, int channels, const ResampleBox& box,
              int out_h, int out_w, ResizeFilter filter, float* dst, std::vector<float>& scratch) {
  TUNAS_CHECK(channels > 0 && channels <= 4, "resample: ", channels, " channels");
  const ResampleTaps cols = resample_taps(w, box.x0, box.x1, out_w, filter);
  const ResampleTaps rows = resample_taps(h, box.y0, box.y1, out_h, filter);
  // Source rows the vertical pass reads.
  const int row_lo = rows.first.front();
  const int row_hi = rows.first.back() + rows.count.back();
  const std::size_t tmp_row = std::size_t(out_w) * channels;
  scratch.resize(std::size_t(row_hi - row_lo) * tmp_row);
  // Horizontal: tmp(y, o, c) = sum_k wx[o][k] * src(y, first[o] + k, c).
  for (int y = row_lo; y < row_hi; ++y) {
    const std::uint8_t* s = src + std::size_t(y) * w * channels;
    float* t = scratch.data() + std::size_t(y - row_lo) * tmp_row;
    for (int o = 0; o < out_w; ++o) {
      const float* wk = &cols.weights[std::size_t(o) * cols.max_count];
      const std::uint8_t* sp = s + std::size_t(cols.first[o]) * channels;
      float acc[4] = {0.f, 0.f, 0.f, 0.f};
      for (int k = 0; k < cols.count[o]; ++k)
        for (int c = 0; c < channels; ++c) acc[c] += wk[k] * float(sp[k * channels + c]);
      for (int c = 0; c < channels; ++c) t[o * channels + c] = acc[c];
    }
  }
  // Vertical: dst(o, x, c) = sum_k wy[o][k] * tmp(first[o] + k, x, c).
  for (int o = 0; o < out_h; ++o) {
    const float* wk = &rows.weights[std::size_t(o) * rows.max_count];
    float* d = dst + std::size_t(o) * tmp_row;
    std::fill_n(d, tmp_row, 0.f);
    for (int k = 0; k < rows.count[o]; ++k) {
      const float* t = scratch.data() + std::size_t(rows.first[o] + k - row_lo) * tmp_row;
      const float wgt = wk[k];
      for (std::size_t i = 0; i < tmp_row; ++i) d[i] += wgt * t[i];
    }
  }
}

}  // namespace tunas::datasets
