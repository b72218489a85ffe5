// Antialiased separable resampling of a box of an 8-bit image, with Pillow's filters and
// coefficients (Pillow's Resample.c, ImagingResample with a `box`), so that our images match
// what torchvision's PIL path feeds a model.
//
// For each axis, output sample o of `out` covers the source interval of the box
// [b0, b1) (b0, b1 real): centre = b0 + (o + 0.5) * scale with scale = (b1 - b0) / out. The
// filter is stretched by filterscale = max(scale, 1) (antialiasing when shrinking), its
// support is filter_support * filterscale, and the taps are the source pixels
// i in [int(centre - support + 0.5), int(centre + support + 0.5)) clipped to the image, with
// weights filter((i - centre + 0.5) / filterscale) normalised to sum 1.
//   bilinear: triangle, support 1.        bicubic: Keys cubic with a = -0.5, support 2.
// The horizontal pass runs first (only over the source rows the vertical pass reads) into a
// float buffer, then the vertical pass, as Pillow does. Values are NOT clamped or rounded:
// the result equals Pillow's on mode "F" images (float32), which tests/golden checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tunas::datasets {

enum class ResizeFilter { bilinear, bicubic };
const char* resize_filter_name(ResizeFilter filter);
// "bilinear" | "bicubic"; throws tunas::Error naming `where` otherwise.
ResizeFilter parse_resize_filter(const std::string& name, const std::string& where);

// The taps of one axis: output o reads source first[o] .. first[o] + count[o] - 1 with
// weights weights[o * max_count + k].
struct ResampleTaps {
  std::vector<int> first, count;
  std::vector<float> weights;
  int max_count = 0;
};
ResampleTaps resample_taps(int in_size, double box0, double box1, int out_size, ResizeFilter filter);

// Source crop box in pixel coordinates: x in [x0, x1), y in [y0, y1).
struct ResampleBox {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// src: h x w x channels uint8 (rows of w * channels bytes). dst: out_h x out_w x channels
// floats (rows of out_w * channels). `scratch` is reused between calls.
// Requires a non-empty box inside the image and positive output sizes (TUNAS_CHECK).
void resample(const std::uint8_t* src, int h, int w, int channels, const ResampleBox& box,
              int out_h, int out_w, ResizeFilter filter, float* dst, std::vector<float>& scratch);

}  // namespace tunas::datasets
