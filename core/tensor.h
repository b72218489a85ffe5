// Tensor: a float32 NHWC view with extents separate from strides (STYLE.md G3).
//
// A Tensor never owns memory; storage comes from an Arena, an AlignedPtr or a caller.
// Channels are always contiguous (stride 1); the pixel stride (elements between two
// neighbouring pixels) may exceed the channel extent. That is how channel masking is done:
// the first k channels of a max-width buffer are a zero-copy view, channel_prefix(k).
//
//   element (n, h, w, c) lives at data[n*stride_n + h*stride_h + w*stride_w + c]
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tunas {

struct Shape4 {
  int n = 0, h = 0, w = 0, c = 0;
  std::int64_t elements() const { return std::int64_t(n) * h * w * c; }
  bool operator==(const Shape4&) const = default;
  std::string str() const;  // "[n=2 h=7 w=5 c=17]"
};

class Tensor {
 public:
  Tensor() = default;
  // Dense NHWC view over data (strides follow from the extents).
  Tensor(float* data, Shape4 shape);
  // View with an explicit pixel stride >= shape.c (rows and images are dense in pixels).
  Tensor(float* data, Shape4 shape, std::int64_t pixel_stride);
  // Fully general view; validates every extent and stride (throws tunas::Error).
  Tensor(float* data, Shape4 shape, std::int64_t stride_n, std::int64_t stride_h,
         std::int64_t stride_w);

  float* data() const { return data_; }
  const Shape4& shape() const { return shape_; }
  int n() const { return shape_.n; }
  int h() const { return shape_.h; }
  int w() const { return shape_.w; }
  int c() const { return shape_.c; }
  std::int64_t stride_n() const { return stride_n_; }
  std::int64_t stride_h() const { return stride_h_; }
  std::int64_t stride_w() const { return stride_w_; }  // the pixel stride
  std::int64_t elements() const { return shape_.elements(); }
  bool dense() const { return stride_w_ == shape_.c && stride_h_ == std::int64_t(shape_.w) * shape_.c &&
                              stride_n_ == std::int64_t(shape_.h) * stride_h_; }

  float& at(int n, int h, int w, int c) const {
    return data_[n * stride_n_ + h * stride_h_ + w * stride_w_ + c];
  }

  // The first `channels` channels, same buffer. Throws tunas::Error when out of range.
  Tensor channel_prefix(int channels) const;
  // Images [first, first + count).
  Tensor batch_slice(int first, int count) const;

 private:
  float* data_ = nullptr;
  Shape4 shape_{};
  std::int64_t stride_n_ = 0, stride_h_ = 0, stride_w_ = 0;
};

// TensorFlow SAME padding: out = ceil(in / stride); total = max((out-1)*stride + k - in, 0);
// before = total / 2, after = total - before (an odd total pads bottom/right).
struct SamePadding {
  int out = 0, before = 0, after = 0;
};
SamePadding same_padding(int in, int kernel, int stride);

}  // namespace tunas
