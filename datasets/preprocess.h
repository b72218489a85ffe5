// Preprocessing one uint8 HWC image into a float NHWC tensor slot.
//
// Pipeline, for an output pixel (y, x) of an out_h x out_w image:
//  1. geometry: the source (h x w) becomes R (out_h x out_w) by
//       pad      - centred zero padding; before = (out - in) / 2, the odd pixel goes after
//                  (bottom/right, like TF SAME); needs out >= in. 28 -> 32 pads 2 and 2.
//       bilinear - half-pixel centres (align_corners = false, no antialiasing):
//                  src = max((dst + 0.5) * in / out - 0.5, 0), neighbours clamped to the edge.
//  2. augmentation (training only): random crop of out_h x out_w from R zero-padded by
//     crop_padding on every side (offset dy, dx in [-p, p], 0 = centre), then an optional
//     horizontal flip of the crop:
//       dst(y, x) = R(y + dy, x' + dx) with x' = flip ? out_w - 1 - x : x, 0 outside R.
//     Zeros are raw pixel zeros (black), as in torchvision's Pad/RandomCrop before Normalize.
//  3. normalisation: (v - mean[c]) / std[c] with v in pixel units [0, 255].
//  4. channels: an output channel count of 3 from a grey source replicates the grey value
//     (mean/std given per source channel are replicated too).
//
// A Preprocessor precomputes its row/column tables once; run() does no allocation and is
// safe to call from many threads at once (it only reads the tables).
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "datasets/dataset.h"
#include "datasets/resample.h"

namespace tunas::datasets {

enum class ResizeMode { pad, bilinear };

struct PreprocessConfig {
  int height = 0, width = 0;  // output size; 0 = the source size
  ResizeMode resize = ResizeMode::pad;
  int channels = 0;           // output channels; 0 = source, 3 with a grey source replicates
  std::vector<float> mean;    // per channel (source or output); empty = the set's norm_mean
  std::vector<float> std;     // idem, > 0; empty = the set's norm_std
  int crop_padding = 0;       // random pad-and-crop margin, training only
  bool random_flip = false;   // random horizontal flip, training only

  // Photographs of any size (on-disk sets only; inception_preprocess.h, spec §6.1).
  bool random_resized_crop = false;           // training: Inception crop; else central crop
  ResizeFilter filter = ResizeFilter::bicubic;
  double central_fraction = 224.0 / 256.0;    // eval crop side = int(fraction * min(h, w))
};

// The proxy-task preprocessing (tunas_search, tunas_train) to a square `resolution`:
// zero padding when the source is at most 8 pixels smaller (28x28 Fashion-MNIST -> 32x32),
// otherwise bilinear resizing; training adds a pad-and-crop of resolution/8 pixels (4 at 32)
// and random horizontal flips. resolution 0: 32 for 28x28 sets, else the source size.
// On-disk sets (photographs) get spec §6.1 instead: training = Inception random-resized crop +
// flip, evaluation = central crop of 224/256; bicubic resize to `resolution` (0 = 224).
PreprocessConfig proxy_preprocess(const ImageSet& set, bool training, int resolution = 0);

// One image's random choices. The default is the evaluation transform (centre, no flip).
struct Augmentation {
  int dy = 0, dx = 0;  // crop offset in [-crop_padding, crop_padding]
  bool flip = false;
};

class Preprocessor {
 public:
  Preprocessor() = default;
  // Validates config against the source shape and resolves defaults from `set`'s metadata.
  // Throws tunas::Error on: an on-disk set (photographs: InceptionPreprocessor), pad to a smaller size, non-positive size, a channel count other
  // than the source's (or 3 from 1), mean/std of the wrong length, std <= 0, crop_padding < 0.
  Preprocessor(const ImageSet& set, const PreprocessConfig& config);

  int height() const { return height_; }
  int width() const { return width_; }
  int channels() const { return channels_; }
  bool augments() const { return crop_padding_ > 0 || random_flip_; }
  // The resolved transform, for code that re-expresses it elsewhere (the ONNX exporter).
  ResizeMode resize() const { return resize_; }
  const std::vector<float>& mean() const { return mean_; }        // per output channel
  const std::vector<float>& inv_std() const { return inv_std_; }  // 1 / std, per output channel

  // Draws dy, dx (uniform in [-p, p]) then the flip bit (probability 1/2), in that order,
  // each only when enabled.
  Augmentation sample(Rng& rng) const;

  // src: one source image (HWC uint8). Writes dst image n, channels [0, channels()).
  // Requires dst to be height() x width() x channels() (TUNAS_CHECK).
  void run(const std::uint8_t* src, const Augmentation& aug, const Tensor& dst, int n) const;

 private:
  // Source coordinates and weight of one output row or column of R.
  struct Tap {
    int i0 = 0, i1 = 0;
    float w1 = 0.f;  // weight of i1; 1 - w1 of i0
    bool inside = false;
  };
  static std::vector<Tap> make_taps(int in, int out, ResizeMode mode);

  int src_h_ = 0, src_w_ = 0, src_c_ = 0;
  int height_ = 0, width_ = 0, channels_ = 0;
  int crop_padding_ = 0;
  bool random_flip_ = false;
  ResizeMode resize_ = ResizeMode::pad;
  std::vector<Tap> rows_, cols_;
  std::vector<float> mean_, inv_std_;  // per output channel
};

}  // namespace tunas::datasets
