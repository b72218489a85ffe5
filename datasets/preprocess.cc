#include "datasets/preprocess.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tunas::datasets {

PreprocessConfig proxy_preprocess(const ImageSet& set, bool training, int resolution) {
  if (set.on_disk) {
    PreprocessConfig config;
    config.height = config.width = resolution > 0 ? resolution : 224;
    config.random_resized_crop = training;
    config.random_flip = training;
    return config;
  }
  if (resolution == 0) resolution = set.height == 28 && set.width == 28 ? 32 : set.height;
  PreprocessConfig config;
  config.height = config.width = resolution;
  const bool small_pad = resolution >= set.height && resolution >= set.width &&
                         resolution - std::min(set.height, set.width) <= 8;
  config.resize = small_pad ? ResizeMode::pad : ResizeMode::bilinear;
  config.crop_padding = training ? std::max(1, resolution / 8) : 0;
  config.random_flip = training;
  return config;
}

std::vector<Preprocessor::Tap> Preprocessor::make_taps(int in, int out, ResizeMode mode) {
  std::vector<Tap> taps(out);
  if (mode == ResizeMode::pad) {
    const int before = (out - in) / 2;
    for (int o = 0; o < out; ++o) {
      const int i = o - before;
      taps[o] = {i, i, 0.f, i >= 0 && i < in};
    }
    return taps;
  }
  const double scale = double(in) / out;
  for (int o = 0; o < out; ++o) {
    const double s = std::max((o + 0.5) * scale - 0.5, 0.0);
    const int i0 = std::min(int(s), in - 1);
    const int i1 = std::min(i0 + 1, in - 1);
    taps[o] = {i0, i1, float(s - i0), true};
    if (i0 == i1) taps[o].w1 = 0.f;
  }
  return taps;
}

Preprocessor::Preprocessor(const ImageSet& set, const PreprocessConfig& config)
    : src_h_(set.height), src_w_(set.width), src_c_(set.channels),
      height_(config.height ? config.height : set.height),
      width_(config.width ? config.width : set.width),
      channels_(config.channels ? config.channels : set.channels),
      crop_padding_(config.crop_padding), random_flip_(config.random_flip),
      resize_(config.resize) {
  const std::string where = str_cat("preprocessing of '", set.name, "': ");
  TUNAS_REQUIRE(!set.on_disk, where, "the set is photographs of varying sizes on disk; this "
                "fixed-size pipeline does not apply to them (inception_preprocess.h does)");
  TUNAS_REQUIRE(height_ > 0 && width_ > 0, where, "output size ", height_, "x", width_,
                " must be positive");
  TUNAS_REQUIRE(config.resize != ResizeMode::pad || (height_ >= src_h_ && width_ >= src_w_),
                where, "cannot pad ", src_h_, "x", src_w_, " images to the smaller ", height_, "x",
                width_, " (use bilinear resize)");
  TUNAS_REQUIRE(channels_ == src_c_ || (src_c_ == 1 && channels_ == 3), where, "cannot make ",
                channels_, " channels from ", src_c_, " (only equal counts or grey to 3)");
  TUNAS_REQUIRE(crop_padding_ >= 0, where, "crop_padding ", crop_padding_, " must be >= 0");
  const std::vector<float>& mean = config.mean.empty() ? set.norm_mean : config.mean;
  const std::vector<float>& std = config.std.empty() ? set.norm_std : config.std;
  for (const auto* v : {&mean, &std}) {
    TUNAS_REQUIRE(int(v->size()) == src_c_ || int(v->size()) == channels_, where,
                  v == &mean ? "mean" : "std", " has ", v->size(), " values, expected ", src_c_,
                  src_c_ == channels_ ? "" : str_cat(" or ", channels_));
  }
  for (int c = 0; c < channels_; ++c) {
    const float m = mean[int(mean.size()) == channels_ ? c : 0];
    const float s = std[int(std.size()) == channels_ ? c : 0];
    TUNAS_REQUIRE(s > 0.f && std::isfinite(s) && std::isfinite(m), where, "channel ", c,
                  ": std ", s, " must be positive and mean ", m, " finite");
    mean_.push_back(m);
    inv_std_.push_back(1.f / s);
  }
  rows_ = make_taps(src_h_, height_, config.resize);
  cols_ = make_taps(src_w_, width_, config.resize);
}

Augmentation Preprocessor::sample(Rng& rng) const {
  Augmentation aug;
  if (crop_padding_ > 0) {
    const std::uint32_t span = std::uint32_t(2 * crop_padding_ + 1);
    aug.dy = int(rng.uniform_int(span)) - crop_padding_;
    aug.dx = int(rng.uniform_int(span)) - crop_padding_;
  }
  if (random_flip_) aug.flip = (rng.next_u32() >> 31) != 0;
  return aug;
}

void Preprocessor::run(const std::uint8_t* src, const Augmentation& aug, const Tensor& dst,
                       int n) const {
  TUNAS_CHECK(dst.h() == height_ && dst.w() == width_ && dst.c() == channels_ && n >= 0 &&
                  n < dst.n(),
              "preprocess destination ", dst.shape().str(), " image ", n);
  const bool replicate = channels_ != src_c_;
  const std::int64_t src_row = std::int64_t(src_w_) * src_c_;
  for (int y = 0; y < height_; ++y) {
    float* dst_row = &dst.at(n, y, 0, 0);
    const int ry = y + aug.dy;
    const Tap* ty = (ry >= 0 && ry < height_ && rows_[ry].inside) ? &rows_[ry] : nullptr;
    for (int x = 0; x < width_; ++x) {
      float* dst_pixel = dst_row + x * dst.stride_w();
      const int rx = (aug.flip ? width_ - 1 - x : x) + aug.dx;
      const Tap* tx = (rx >= 0 && rx < width_ && cols_[rx].inside) ? &cols_[rx] : nullptr;
      for (int c = 0; c < channels_; ++c) {
        float v = 0.f;
        if (ty && tx) {
          const int sc = replicate ? 0 : c;
          const std::uint8_t* r0 = src + ty->i0 * src_row + sc;
          const std::uint8_t* r1 = src + ty->i1 * src_row + sc;
          const float top = r0[tx->i0 * src_c_] + tx->w1 * (float(r0[tx->i1 * src_c_]) - r0[tx->i0 * src_c_]);
          const float bottom = r1[tx->i0 * src_c_] + tx->w1 * (float(r1[tx->i1 * src_c_]) - r1[tx->i0 * src_c_]);
          v = top + ty->w1 * (bottom - top);
        }
        dst_pixel[c] = (v - mean_[c]) * inv_std_[c];
      }
    }
  }
}

}  // namespace tunas::datasets
