// Operator level of the depthwise convolution: micro-kernel choice and thread partition.
#include "kernels/f32-dwconv/dwconv.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/threads.h"
#include "kernels/config.h"

namespace tunas::kernels {

namespace {

// Table slots: k in {1..kMaxKernel} x stride in {1..kMaxStride}; other (k, stride) pairs use
// the scalar kernels directly.
constexpr int kMaxKernel = 7;
constexpr int kMaxStride = 2;

struct DwconvTable {
  DwconvUkernels slots[kMaxKernel + 1][kMaxStride + 1];
};

DwconvUkernels make_scalar() {
  DwconvUkernels u;
  u.forward = f32_dwconv_forward_ukernel_kxk_1c_scalar;
  u.backward_data = f32_dwconv_backward_data_ukernel_kxk_1c_scalar;
  u.backward_weights = f32_dwconv_backward_weights_ukernel_kxk_1c_scalar;
  u.forward_name = "f32_dwconv_forward_ukernel_kxk_1c_scalar";
  u.backward_data_name = "f32_dwconv_backward_data_ukernel_kxk_1c_scalar";
  u.backward_weights_name = "f32_dwconv_backward_weights_ukernel_kxk_1c_scalar";
  return u;
}

// Fills pass `Pass` of the slots that (kernel_size, stride) covers (0 = any) with fn when a
// table for `cap` may run it (kernels/config.h resolve_ukernel).
template <auto Pass, auto Name, typename Fn>
void offer(DwconvTable& t, Isa cap, Isa isa, int kernel_size, int stride, Fn* fn,
           const char* name) {
  if (!resolve_ukernel(cap, isa, fn, name)) return;
  for (int k = 1; k <= kMaxKernel; ++k) {
    for (int s = 1; s <= kMaxStride; ++s) {
      if ((kernel_size != 0 && kernel_size != k) || (stride != 0 && stride != s)) continue;
      DwconvUkernels& u = t.slots[k][s];
      u.*Pass = fn;
      u.*Name = name;
      u.isa = std::max(u.isa, isa);
    }
  }
}

DwconvTable build_table(Isa cap) {
  DwconvTable t;
  // Expand the list: every usable entry fills the slots it covers.
#define TUNAS_DWCONV_UKERNEL(isa, pass, kernel_size, stride, channel_tile, fn)               \
  offer<&DwconvUkernels::pass, &DwconvUkernels::pass##_name>(t, cap, Isa::isa, kernel_size, \
                                                             stride, fn, #fn);
#include "kernels/f32-dwconv/f32-dwconv.inc"
#undef TUNAS_DWCONV_UKERNEL
  return t;
}

void log_table(const DwconvTable& t) {
  for (int k = 3; k <= kMaxKernel; k += 2) {
    for (int s = 1; s <= kMaxStride; ++s) {
      const DwconvUkernels& u = t.slots[k][s];
      const std::string slot = str_cat(k, "x", k, "s", s);
      log_ukernel_choice("f32-dwconv forward", slot.c_str(), u.forward_name, u.isa);
      log_ukernel_choice("f32-dwconv backward_data", slot.c_str(), u.backward_data_name, u.isa);
      log_ukernel_choice("f32-dwconv backward_weights", slot.c_str(), u.backward_weights_name,
                         u.isa);
    }
  }
}

// Rows per task for the row-partitioned passes: enough tasks to balance the threads
// (results do not depend on it: every row is computed by the same code in any task).
std::int64_t row_grain(std::int64_t rows) {
  return std::max<std::int64_t>(1, rows / (8 * std::int64_t(num_threads())));
}

// Calls body(image, row_begin, row_end) for the rows [begin, end) of the flattened
// (image, row) range, split at image boundaries.
template <typename Body>
void for_image_rows(std::int64_t begin, std::int64_t end, int rows_per_image, const Body& body) {
  for (std::int64_t r = begin; r < end;) {
    const int n = int(r / rows_per_image);
    const int row_begin = int(r % rows_per_image);
    const int row_end = int(std::min<std::int64_t>(rows_per_image, row_begin + (end - r)));
    body(n, row_begin, row_end);
    r += row_end - row_begin;
  }
}

void dassert_args(const ConvGeometry& g, int channels, std::int64_t a_stride,
                  std::int64_t b_stride, std::int64_t weight_stride) {
  TUNAS_DASSERT(g.batch >= 0 && g.in_h >= 1 && g.in_w >= 1 && g.out_h >= 1 && g.out_w >= 1);
  TUNAS_DASSERT(g.kernel >= 1 && g.stride >= 1 && g.pad_top >= 0 && g.pad_left >= 0);
  TUNAS_DASSERT(g.pad_top < g.kernel && g.pad_left < g.kernel);
  TUNAS_DASSERT(channels >= 1);
  TUNAS_DASSERT(a_stride >= channels && b_stride >= channels && weight_stride >= channels);
  (void)g, (void)channels, (void)a_stride, (void)b_stride, (void)weight_stride;
}

}  // namespace

const DwconvUkernels& f32_dwconv_scalar_ukernels() {
  static const DwconvUkernels u = make_scalar();
  return u;
}

const DwconvUkernels& f32_dwconv_select(int kernel, int stride, Isa cap) {
  if (kernel < 1 || kernel > kMaxKernel || stride < 1 || stride > kMaxStride) {
    return f32_dwconv_scalar_ukernels();
  }
  return ukernel_table(cap, build_table, log_table).slots[kernel][stride];
}

const DwconvUkernels& f32_dwconv_select(int kernel, int stride) {
  return f32_dwconv_select(kernel, stride, kernel_isa());
}

void f32_dwconv_forward_with(const DwconvUkernels& ukernels, const ConvGeometry& g,
                             int channels, float* dst, int64_t dst_stride, const float* src,
                             int64_t src_stride, const float* weight, int64_t weight_stride) {
  dassert_args(g, channels, dst_stride, src_stride, weight_stride);
  const std::int64_t src_image = std::int64_t(g.in_h) * g.in_w * src_stride;
  const std::int64_t dst_image = std::int64_t(g.out_h) * g.out_w * dst_stride;
  const std::int64_t rows = std::int64_t(g.batch) * g.out_h;
  parallel_for(rows, row_grain(rows), [&](std::int64_t begin, std::int64_t end) {
    for_image_rows(begin, end, g.out_h, [&](int n, int row_begin, int row_end) {
      ukernels.forward(g, channels, row_begin, row_end, dst + n * dst_image, dst_stride,
                       src + n * src_image, src_stride, weight, weight_stride);
    });
  });
}

namespace {

// Input rows cleared and then accumulated per band, while the band is in cache.
constexpr std::int64_t kClearBandFloats = 16384;

// f32_dwconv_backward_data_with, and its overwrite form: then each band of d_src rows is
// zeroed right before the micro-kernel accumulates into it (the same values as accumulating
// into a zeroed d_src: every input row is written by exactly one task).
void backward_data_rows(const DwconvUkernels& ukernels, bool overwrite, const ConvGeometry& g,
                        int channels, float* d_src, int64_t d_src_stride, const float* d_dst,
                        int64_t d_dst_stride, const float* weight, int64_t weight_stride) {
  dassert_args(g, channels, d_src_stride, d_dst_stride, weight_stride);
  const std::int64_t src_image = std::int64_t(g.in_h) * g.in_w * d_src_stride;
  const std::int64_t dst_image = std::int64_t(g.out_h) * g.out_w * d_dst_stride;
  const std::int64_t rows = std::int64_t(g.batch) * g.in_h;
  const int band = overwrite ? int(std::clamp<std::int64_t>(
                                   kClearBandFloats / (std::int64_t(g.in_w) * channels), 1, g.in_h))
                             : g.in_h;
  parallel_for(rows, row_grain(rows), [&](std::int64_t begin, std::int64_t end) {
    for_image_rows(begin, end, g.in_h, [&](int n, int row_begin, int row_end) {
      float* image = d_src + n * src_image;
      for (int r0 = row_begin; r0 < row_end; r0 += band) {
        const int r1 = std::min(row_end, r0 + band);
        if (overwrite) {
          for (std::int64_t p = std::int64_t(r0) * g.in_w; p < std::int64_t(r1) * g.in_w; ++p)
            std::fill(image + p * d_src_stride, image + p * d_src_stride + channels, 0.f);
        }
        ukernels.backward_data(g, channels, r0, r1, image, d_src_stride, d_dst + n * dst_image,
                               d_dst_stride, weight, weight_stride);
      }
    });
  });
}

}  // namespace

void f32_dwconv_backward_data_with(const DwconvUkernels& ukernels, const ConvGeometry& g,
                                   int channels, float* d_src, int64_t d_src_stride,
                                   const float* d_dst, int64_t d_dst_stride, const float* weight,
                                   int64_t weight_stride) {
  backward_data_rows(ukernels, false, g, channels, d_src, d_src_stride, d_dst, d_dst_stride,
                     weight, weight_stride);
}

void f32_dwconv_backward_data_overwrite_with(const DwconvUkernels& ukernels,
                                             const ConvGeometry& g, int channels, float* d_src,
                                             int64_t d_src_stride, const float* d_dst,
                                             int64_t d_dst_stride, const float* weight,
                                             int64_t weight_stride) {
  backward_data_rows(ukernels, true, g, channels, d_src, d_src_stride, d_dst, d_dst_stride,
                     weight, weight_stride);
}

void f32_dwconv_backward_weights_with(const DwconvUkernels& ukernels, const ConvGeometry& g,
                                      int channels, float* d_weight, int64_t d_weight_stride,
                                      const float* d_dst, int64_t d_dst_stride, const float* src,
                                      int64_t src_stride) {
  dassert_args(g, channels, d_dst_stride, src_stride, d_weight_stride);
  const std::int64_t src_image = std::int64_t(g.in_h) * g.in_w * src_stride;
  const std::int64_t dst_image = std::int64_t(g.out_h) * g.out_w * d_dst_stride;
  // Row band: the rows whose src + d_dst for one 16-channel group (a 64-byte line per pixel)
  // stay in L2 while the kernel walks its channel tiles and kernel rows over them. It
  // depends on the geometry only, so the summation order never depends on the threads.
  constexpr std::int64_t kBandBytes = 512 * 1024;
  const std::int64_t row_bytes = (std::int64_t(g.stride) * g.in_w + g.out_w) * 64;
  const int band = int(std::clamp<std::int64_t>(kBandBytes / row_bytes, 1, g.out_h));
  // Channel groups are independent (each channel's sum runs in one task, in the same order
  // for any group size), so the group size may follow the thread count.
  const int wide_groups = (channels + 15) / 16;
  const int group = wide_groups >= 2 * num_threads() ? 16 : 8;
  const int groups = (channels + group - 1) / group;
  parallel_for(groups, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t gi = begin; gi < end; ++gi) {
      const int c0 = int(gi) * group;
      const int width = std::min(group, channels - c0);
      for (int n = 0; n < g.batch; ++n) {
        for (int row = 0; row < g.out_h; row += band) {
          ukernels.backward_weights(g, width, row, std::min(g.out_h, row + band),
                                    d_weight + c0, d_weight_stride, d_dst + n * dst_image + c0,
                                    d_dst_stride, src + n * src_image + c0, src_stride);
        }
      }
    }
  });
}

void f32_dwconv_forward(const ConvGeometry& g, int channels, float* dst, int64_t dst_stride,
                        const float* src, int64_t src_stride, const float* weight,
                        int64_t weight_stride) {
  f32_dwconv_forward_with(f32_dwconv_select(g.kernel, g.stride), g, channels, dst, dst_stride,
                          src, src_stride, weight, weight_stride);
}

void f32_dwconv_backward_data(const ConvGeometry& g, int channels, float* d_src,
                              int64_t d_src_stride, const float* d_dst, int64_t d_dst_stride,
                              const float* weight, int64_t weight_stride) {
  f32_dwconv_backward_data_with(f32_dwconv_select(g.kernel, g.stride), g, channels, d_src,
                                d_src_stride, d_dst, d_dst_stride, weight, weight_stride);
}

void f32_dwconv_backward_data_overwrite(const ConvGeometry& g, int channels, float* d_src,
                                        int64_t d_src_stride, const float* d_dst,
                                        int64_t d_dst_stride, const float* weight,
                                        int64_t weight_stride) {
  f32_dwconv_backward_data_overwrite_with(f32_dwconv_select(g.kernel, g.stride), g, channels,
                                          d_src, d_src_stride, d_dst, d_dst_stride, weight,
                                          weight_stride);
}

void f32_dwconv_backward_weights(const ConvGeometry& g, int channels, float* d_weight,
                                 int64_t d_weight_stride, const float* d_dst,
                                 int64_t d_dst_stride, const float* src, int64_t src_stride) {
  f32_dwconv_backward_weights_with(f32_dwconv_select(g.kernel, g.stride), g, channels,
                                   d_weight, d_weight_stride, d_dst, d_dst_stride, src,
                                   src_stride);
}

}  // namespace tunas::kernels
