#include "core/tensor.h"

#include <algorithm>

#include "core/error.h"

namespace tunas {

std::string Shape4::str() const { return str_cat("[n=", n, " h=", h, " w=", w, " c=", c, "]"); }

Tensor::Tensor(float* data, Shape4 shape)
    : Tensor(data, shape, std::int64_t(shape.h) * shape.w * shape.c,
             std::int64_t(shape.w) * shape.c, shape.c) {}

Tensor::Tensor(float* data, Shape4 shape, std::int64_t pixel_stride)
    : Tensor(data, shape, std::int64_t(shape.h) * shape.w * pixel_stride,
             std::int64_t(shape.w) * pixel_stride, pixel_stride) {}

Tensor::Tensor(float* data, Shape4 shape, std::int64_t stride_n, std::int64_t stride_h,
               std::int64_t stride_w)
    : data_(data), shape_(shape), stride_n_(stride_n), stride_h_(stride_h), stride_w_(stride_w) {
  TUNAS_REQUIRE(shape.n >= 0 && shape.h >= 0 && shape.w >= 0 && shape.c >= 0,
                "tensor: negative extent in shape ", shape.str());
  TUNAS_REQUIRE(stride_w >= shape.c, "tensor: pixel stride ", stride_w,
                " is smaller than the channel extent of shape ", shape.str());
  TUNAS_REQUIRE(stride_h >= std::int64_t(shape.w) * stride_w || shape.h <= 1,
                "tensor: row stride ", stride_h, " overlaps pixels of shape ", shape.str());
  TUNAS_REQUIRE(stride_n >= std::int64_t(shape.h) * stride_h || shape.n <= 1,
                "tensor: image stride ", stride_n, " overlaps rows of shape ", shape.str());
  TUNAS_REQUIRE(data != nullptr || shape.elements() == 0, "tensor: null data for shape ",
                shape.str());
}

Tensor Tensor::channel_prefix(int channels) const {
  TUNAS_REQUIRE(channels >= 0 && channels <= shape_.c, "tensor: channel prefix ", channels,
                " out of range [0, ", shape_.c, "] for shape ", shape_.str());
  Shape4 s = shape_;
  s.c = channels;
  return Tensor(data_, s, stride_n_, stride_h_, stride_w_);
}

Tensor Tensor::batch_slice(int first, int count) const {
  TUNAS_REQUIRE(first >= 0 && count >= 0 && first + count <= shape_.n, "tensor: batch slice [",
                first, ", ", first + count, ") out of range for shape ", shape_.str());
  Shape4 s = shape_;
  s.n = count;
  return Tensor(data_ + first * stride_n_, s, stride_n_, stride_h_, stride_w_);
}

SamePadding same_padding(int in, int kernel, int stride) {
  TUNAS_REQUIRE(in > 0 && kernel > 0 && stride > 0, "same_padding: in=", in, " kernel=", kernel,
                " stride=", stride, " must all be positive");
  SamePadding p;
  p.out = (in + stride - 1) / stride;
  const int total = std::max((p.out - 1) * stride + kernel - in, 0);
  p.before = total / 2;
  p.after = total - p.before;
  return p;
}

}  // namespace tunas
