#include "datasets/inception_preprocess.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tunas::datasets {

InceptionPreprocessor::InceptionPreprocessor(const ImageSet& set, const PreprocessConfig& config)
    : height_(config.height ? config.height : 224), width_(config.width ? config.width : 224),
      random_crop_(config.random_resized_crop), random_flip_(config.random_flip),
      filter_(config.filter), central_fraction_(config.central_fraction) {
  const std::string where = str_cat("preprocessing of '", set.name, "': ");
  TUNAS_REQUIRE(height_ > 0 && width_ > 0, where, "output size ", height_, "x", width_,
                " must be positive");
  TUNAS_REQUIRE(central_fraction_ > 0 && central_fraction_ <= 1, where, "central fraction ",
                central_fraction_, " must be in (0, 1]");
  const std::vector<float>& mean = config.mean.empty() ? set.norm_mean : config.mean;
  const std::vector<float>& std = config.std.empty() ? set.norm_std : config.std;
  TUNAS_REQUIRE(mean.size() == 3 && std.size() == 3, where, "mean/std have ", mean.size(), "/",
                std.size(), " values, expected 3 (RGB)");
  for (int c = 0; c < 3; ++c) {
    TUNAS_REQUIRE(std[c] > 0.f && std::isfinite(std[c]) && std::isfinite(mean[c]), where,
                  "channel ", c, ": std ", std[c], " must be positive and mean ", mean[c], " finite");
    mean_[c] = mean[c];
    inv_std_[c] = 1.f / std[c];
  }
}

CropBox InceptionPreprocessor::central_crop(int image_h, int image_w) const {
  const int side = std::max(1, int(central_fraction_ * std::min(image_h, image_w)));
  return {(image_w - side + 1) / 2, (image_h - side + 1) / 2, side, side};
}

PhotoAugmentation InceptionPreprocessor::sample(int image_h, int image_w, Rng& rng) const {
  PhotoAugmentation aug;
  aug.crop = central_crop(image_h, image_w);
  if (random_crop_) {
    const double area = double(image_h) * image_w;
    for (int attempt = 0; attempt < kCropAttempts; ++attempt) {
      const double target = area * (area_min_ + (area_max_ - area_min_) * rng.uniform_double());
      const double aspect = aspect_min_ + (aspect_max_ - aspect_min_) * rng.uniform_double();
      const long w = std::lround(std::sqrt(target * aspect));
      const long h = std::lround(std::sqrt(target / aspect));
      if (w < 1 || h < 1 || w > image_w || h > image_h) continue;
      if (double(w) * double(h) < min_covered_ * area) continue;
      if (w == image_w && h == image_h) break;  // the whole image: spec falls back to eval
      aug.crop.width = int(w);
      aug.crop.height = int(h);
      aug.crop.y = int(rng.uniform_int(std::uint32_t(image_h - h + 1)));
      aug.crop.x = int(rng.uniform_int(std::uint32_t(image_w - w + 1)));
      break;
    }
  }
  if (random_flip_) aug.flip = (rng.next_u32() >> 31) != 0;
  return aug;
}

void InceptionPreprocessor::run(const DecodedImage& image, const PhotoAugmentation& aug,
                                const Tensor& dst, int n, std::vector<float>& scratch_rows,
                                std::vector<float>& scratch_out) const {
  TUNAS_CHECK(dst.h() == height_ && dst.w() == width_ && dst.c() == 3 && n >= 0 && n < dst.n(),
              "photo preprocess destination ", dst.shape().str(), " image ", n);
  const CropBox& b = aug.crop;
  TUNAS_CHECK(b.width > 0 && b.height > 0 && b.x >= 0 && b.y >= 0 && b.x + b.width <= image.width &&
                  b.y + b.height <= image.height,
              "crop box outside the image");
  scratch_out.resize(std::size_t(height_) * width_ * 3);
  const ResampleBox box{double(b.x), double(b.y), double(b.x + b.width), double(b.y + b.height)};
  resample(image.rgb.data(), image.height, image.width, 3, box, height_, width_, filter_,
           scratch_out.data(), scratch_rows);
  for (int y = 0; y < height_; ++y) {
    const float* src = scratch_out.data() + std::size_t(y) * width_ * 3;
    for (int x = 0; x < width_; ++x) {
      float* d = &dst.at(n, y, aug.flip ? width_ - 1 - x : x, 0);
      for (int c = 0; c < 3; ++c)
        d[c] = (std::clamp(src[x * 3 + c], 0.f, 255.f) - mean_[c]) * inv_std_[c];
    }
  }
}

}  // namespace tunas::datasets
