// The ImageNet preprocessing of spec §6.1 for decoded photographs of any size.
//
// Training (random_resized_crop): Inception-style crop, then a random horizontal flip.
//   Up to kCropAttempts tries: area fraction a ~ U[area_min, area_max], aspect ratio
//   r = width/height ~ U[3/4, 4/3]; crop w = round(sqrt(a*H*W*r)), h = round(sqrt(a*H*W/r)).
//   A try succeeds when 1 <= w <= W, 1 <= h <= H and w*h >= 0.1*H*W (the crop covers at least
//   10 % of the whole-image box); its offset is then uniform over the valid positions. When
//   every try fails, or the crop is the whole image, the evaluation crop is used instead.
// Evaluation: central crop of side s = max(1, int(central_fraction * min(H, W))) at
//   ((H - s + 1) / 2, (W - s + 1) / 2) (integer division), no flip.
// Then: resize of the crop box to out_h x out_w with the configured filter (resample.h,
// Pillow's coefficients), clamping to [0, 255] (as Pillow's 8-bit path), flip, and
// normalisation (v - mean[c]) / std[c].
//
// A crop never fails: an image smaller than the output (down to 1x1) is upsampled.
// Random draws come from the Rng the caller passes (one stream per image): the crop tries in
// order, then the offset, then the flip bit.
// Thread-safety: const methods only; run() uses the caller's scratch buffers.
#pragma once

#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "datasets/dataset.h"
#include "datasets/image_decode.h"
#include "datasets/preprocess.h"

namespace tunas::datasets {

inline constexpr int kCropAttempts = 10;

struct CropBox {
  int x = 0, y = 0, width = 0, height = 0;
  bool operator==(const CropBox&) const = default;
};

struct PhotoAugmentation {
  CropBox crop;
  bool flip = false;
};

class InceptionPreprocessor {
 public:
  InceptionPreprocessor() = default;
  // Output size and filter from `config` (0 = 224); mean/std from config or `set`. Throws
  // tunas::Error on a non-positive size, a central fraction outside (0, 1], or bad mean/std.
  InceptionPreprocessor(const ImageSet& set, const PreprocessConfig& config);

  int height() const { return height_; }
  int width() const { return width_; }
  int channels() const { return 3; }
  bool augments() const { return random_crop_ || random_flip_; }

  CropBox central_crop(int image_h, int image_w) const;
  // Training crop and flip (see above); with augments() false, the central crop, no flip.
  PhotoAugmentation sample(int image_h, int image_w, Rng& rng) const;

  // Writes dst image n (height() x width() x 3, any pixel stride). scratch: reused buffers.
  void run(const DecodedImage& image, const PhotoAugmentation& aug, const Tensor& dst, int n,
           std::vector<float>& scratch_rows, std::vector<float>& scratch_out) const;

 private:
  int height_ = 0, width_ = 0;
  bool random_crop_ = false, random_flip_ = false;
  ResizeFilter filter_ = ResizeFilter::bicubic;
  double central_fraction_ = 0.875;
  double area_min_ = 0.08, area_max_ = 1.0, aspect_min_ = 3.0 / 4.0, aspect_max_ = 4.0 / 3.0;
  double min_covered_ = 0.1;
  float mean_[3] = {}, inv_std_[3] = {};
};

}  // namespace tunas::datasets
