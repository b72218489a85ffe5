// Depthwise k x k convolution, NHWC float32, TF SAME padding (kernels/conv_geometry.h).
//
// Layouts (all pointers address channel 0 of the active channel PREFIX, STYLE.md G3):
//   src      (N, in_h,  in_w,  C)  pixel stride src_stride  >= C floats; rows dense in pixels
//   dst      (N, out_h, out_w, C)  pixel stride dst_stride  >= C
//   weight   (k, k, C)             TF [kh][kw][C]: tap (kh*k + kw) starts at
//                                  weight + (kh*k + kw) * weight_stride, weight_stride >= C
// Only channels [0, channels) are read or written; every float beyond the prefix (the
// inactive channels of a wider buffer) is left untouched.
//
// Semantics (oy, ox over the output, taps with iy = oy*s + kh - pad_top,
// ix = ox*s + kw - pad_left; taps outside the input read zero):
//   forward           dst[n,oy,ox,c]  = sum_{kh,kw} src[n,iy,ix,c] * weight[kh,kw,c]  (overwrites)
//   backward_data     d_src[n,iy,ix,c]   += sum over the taps that read (iy,ix) of
//                                           d_dst[n,oy,ox,c] * weight[kh,kw,c]        (accumulates)
//   backward_weights  d_weight[kh,kw,c] += sum_{n,oy,ox} d_dst[n,oy,ox,c] * src[n,iy,ix,c]
//                                                                                    (accumulates)
// Supported: k in {3,5,7} with the AVX2 and AVX-512 kernels, any k >= 1 with the scalar
// ones; stride 1 or 2 (any stride >= 1 with the scalar ones). Arguments are checked with
// TUNAS_DASSERT only.
//
// Threading: the three entry points split the work with tunas::parallel_for and return when
// it is done. Results are bitwise independent of the thread count: forward and
// backward-data give every output row to exactly one task; backward-weights gives every
// channel to exactly one task, which sums images and fixed row bands in a fixed order.
// Calls on disjoint outputs may run concurrently.
#pragma once

#include <cstdint>

#include "core/cpu.h"
#include "kernels/conv_geometry.h"

namespace tunas::kernels {

// ---- operator level ----------------------------------------------------------------------

void f32_dwconv_forward(const ConvGeometry& g, int channels, float* dst, int64_t dst_stride,
                        const float* src, int64_t src_stride, const float* weight,
                        int64_t weight_stride);

void f32_dwconv_backward_data(const ConvGeometry& g, int channels, float* d_src,
                              int64_t d_src_stride, const float* d_dst, int64_t d_dst_stride,
                              const float* weight, int64_t weight_stride);

void f32_dwconv_backward_weights(const ConvGeometry& g, int channels, float* d_weight,
                                 int64_t d_weight_stride, const float* d_dst,
                                 int64_t d_dst_stride, const float* src, int64_t src_stride);

// backward_data with d_src OVERWRITTEN (need not be initialised): saves the caller the zero
// pass over a fresh gradient buffer; each band of input rows is cleared while in cache right
// before it is accumulated into. Bitwise equal to backward_data into a zeroed d_src.
void f32_dwconv_backward_data_overwrite(const ConvGeometry& g, int channels, float* d_src,
                                        int64_t d_src_stride, const float* d_dst,
                                        int64_t d_dst_stride, const float* weight,
                                        int64_t weight_stride);

// ---- micro-kernels -----------------------------------------------------------------------
// Single-threaded pure functions: no allocation, no failure. Each works on ONE image (g.batch
// is ignored): the tensor pointers address pixel (0, 0) of that image, channel 0.
//
// forward:          writes dst rows [row_begin, row_end) (output rows).
// backward_data:    accumulates into d_src rows [row_begin, row_end) (input rows).
// backward_weights: d_weight += the contribution of d_dst rows [row_begin, row_end) (output
//                   rows), summed in registers and added once per call.
using f32_dwconv_forward_ukernel_fn = void(const ConvGeometry& g, int channels, int row_begin,
                                           int row_end, float* dst, int64_t dst_stride,
                                           const float* src, int64_t src_stride,
                                           const float* weight, int64_t weight_stride);
using f32_dwconv_backward_data_ukernel_fn = void(const ConvGeometry& g, int channels,
                                                 int row_begin, int row_end, float* d_src,
                                                 int64_t d_src_stride, const float* d_dst,
                                                 int64_t d_dst_stride, const float* weight,
                                                 int64_t weight_stride);
using f32_dwconv_backward_weights_ukernel_fn = void(const ConvGeometry& g, int channels,
                                                    int row_begin, int row_end, float* d_weight,
                                                    int64_t d_weight_stride, const float* d_dst,
                                                    int64_t d_dst_stride, const float* src,
                                                    int64_t src_stride);

#define TUNAS_DWCONV_UKERNEL(isa, pass, kernel_size, stride, channel_tile, fn) \
  f32_dwconv_##pass##_ukernel_fn fn;
#include "kernels/f32-dwconv/f32-dwconv.inc"
#undef TUNAS_DWCONV_UKERNEL

// The micro-kernels chosen for one (k, stride), with their names (for logs and benchmarks).
struct DwconvUkernels {
  f32_dwconv_forward_ukernel_fn* forward = nullptr;
  f32_dwconv_backward_data_ukernel_fn* backward_data = nullptr;
  f32_dwconv_backward_weights_ukernel_fn* backward_weights = nullptr;
  const char* forward_name = "";
  const char* backward_data_name = "";
  const char* backward_weights_name = "";
  Isa isa = Isa::scalar;  // the best ISA among the three
};

// The best allowed micro-kernels for (k, stride) from a table filled once (std::call_once)
// from the CPU features and TUNAS_MAX_ISA; the choices are logged at TUNAS_VERBOSE >= 1.
// Thread-safe. The second form takes the table of an ISA cap (kernels/config.h).
const DwconvUkernels& f32_dwconv_select(int kernel, int stride);
const DwconvUkernels& f32_dwconv_select(int kernel, int stride, Isa cap);

// The scalar reference micro-kernels (any k and stride).
const DwconvUkernels& f32_dwconv_scalar_ukernels();

// The entry points above with explicit micro-kernels (tests and benchmarks pin one; the
// entry points pass f32_dwconv_select(g.kernel, g.stride)). Same contract as above.
void f32_dwconv_forward_with(const DwconvUkernels& ukernels, const ConvGeometry& g,
                             int channels, float* dst, int64_t dst_stride, const float* src,
                             int64_t src_stride, const float* weight, int64_t weight_stride);
void f32_dwconv_backward_data_with(const DwconvUkernels& ukernels, const ConvGeometry& g,
                                   int channels, float* d_src, int64_t d_src_stride,
                                   const float* d_dst, int64_t d_dst_stride, const float* weight,
                                   int64_t weight_stride);
void f32_dwconv_backward_data_overwrite_with(const DwconvUkernels& ukernels,
                                             const ConvGeometry& g, int channels, float* d_src,
                                             int64_t d_src_stride, const float* d_dst,
                                             int64_t d_dst_stride, const float* weight,
                                             int64_t weight_stride);
void f32_dwconv_backward_weights_with(const DwconvUkernels& ukernels, const ConvGeometry& g,
                                      int channels, float* d_weight, int64_t d_weight_stride,
                                      const float* d_dst, int64_t d_dst_stride, const float* src,
                                      int64_t src_stride);

}  // namespace tunas::kernels
