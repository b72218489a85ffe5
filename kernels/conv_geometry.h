// Spatial geometry shared by the convolution kernels (depthwise, full k x k, pooling).
//
// All convolutions are NHWC with TensorFlow SAME padding (core/tensor.h same_padding):
// out = ceil(in / stride), pad_top/pad_left = floor(total / 2), the odd extra row/column
// goes to the bottom/right. Channel counts and strides are passed separately so that every
// kernel can run on a channel prefix of a wider buffer (STYLE.md G3).
#pragma once

#include "core/tensor.h"

namespace tunas::kernels {

struct ConvGeometry {
  int batch = 0;
  int in_h = 0, in_w = 0;
  int out_h = 0, out_w = 0;
  int kernel = 1;  // square kernels only (k x k)
  int stride = 1;
  int pad_top = 0, pad_left = 0;
};

// Geometry of a k x k, stride-s convolution with TF SAME padding on an in_h x in_w input.
inline ConvGeometry same_conv_geometry(int batch, int in_h, int in_w, int kernel, int stride) {
  const SamePadding ph = same_padding(in_h, kernel, stride);
  const SamePadding pw = same_padding(in_w, kernel, stride);
  ConvGeometry g;
  g.batch = batch;
  g.in_h = in_h;
  g.in_w = in_w;
  g.out_h = ph.out;
  g.out_w = pw.out;
  g.kernel = kernel;
  g.stride = stride;
  g.pad_top = ph.before;
  g.pad_left = pw.before;
  return g;
}

}  // namespace tunas::kernels
