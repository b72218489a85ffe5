#include "kernels/f32-activation/activation.h"

#include <cmath>

#include "core/threads.h"
#include "kernels/config.h"
#include "kernels/f32-activation/activation-rows.h"

namespace tunas::kernels {

namespace {
// Rows per task: ~16K elements per task (the partition never changes a result: every
// element is computed independently).
inline std::int64_t row_grain(int channels) { return 1 + (16384 / (channels > 0 ? channels : 1)); }

template <Activation A>
void forward_rows(std::int64_t rows, int channels, float* dst, std::int64_t dst_stride,
                  const float* src, std::int64_t src_stride) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    float* y = dst + r * dst_stride;
    for (int c = 0; c < channels; ++c) y[c] = activation_value(A, x[c]);
  }
}

template <Activation A>
void backward_rows(std::int64_t rows, int channels, float* d_src, std::int64_t d_src_stride,
                   const float* d_dst, std::int64_t d_dst_stride, const float* src,
                   std::int64_t src_stride) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* x = src + r * src_stride;
    const float* dy = d_dst + r * d_dst_stride;
    float* dx = d_src + r * d_src_stride;
    for (int c = 0; c < channels; ++c) dx[c] += dy[c] * activation_derivative(A, x[c]);
  }
}

}  // namespace

TUNAS_ACTIVATION_ROW_KERNELS(f32_activation_forward_rows_scalar,
                             f32_activation_backward_rows_scalar)

namespace {

using ForwardRowsFn = decltype(f32_activation_forward_rows_scalar);
using BackwardRowsFn = decltype(f32_activation_backward_rows_scalar);

// The dispatch table (kernels/config.h), one slot per pass.
struct ActivationTable {
  static constexpr const char* kFamily = "f32-activation";
  UkernelSlot<ForwardRowsFn> forward{"forward"};
  UkernelSlot<BackwardRowsFn> backward{"backward"};
  auto slots() const { return std::tie(forward, backward); }
  void fill(Isa cap) {
#define TUNAS_ACTIVATION_UKERNEL(isa, pass, fn) pass.offer(Isa::isa, cap, fn, #fn);
#include "kernels/f32-activation/f32-activation.inc"
#undef TUNAS_ACTIVATION_UKERNEL
  }
};

const ActivationTable& table(Isa cap) {
  return ukernel_table<ActivationTable>(cap);
}

}  // namespace

void f32_activation_forward(Isa isa, Activation act, std::int64_t rows, int channels,
                            float* dst, std::int64_t dst_stride, const float* src,
                            std::int64_t src_stride) {
  ForwardRowsFn* const rows_fn = table(isa).forward.fn;
  parallel_for(rows, row_grain(channels), [&](std::int64_t begin, std::int64_t end) {
    rows_fn(act, end - begin, channels, dst + begin * dst_stride, dst_stride,
            src + begin * src_stride, src_stride);
  });
}

void f32_activation_backward(Isa isa, Activation act, std::int64_t rows, int channels,
                             float* d_src, std::int64_t d_src_stride, const float* d_dst,
                             std::int64_t d_dst_stride, const float* src,
                             std::int64_t src_stride) {
  BackwardRowsFn* const rows_fn = table(isa).backward.fn;
  parallel_for(rows, row_grain(channels), [&](std::int64_t begin, std::int64_t end) {
    rows_fn(act, end - begin, channels, d_src + begin * d_src_stride, d_src_stride,
            d_dst + begin * d_dst_stride, d_dst_stride, src + begin * src_stride, src_stride);
  });
}

void f32_activation_forward(Activation act, std::int64_t rows, int channels, float* dst,
                            std::int64_t dst_stride, const float* src, std::int64_t src_stride) {
  f32_activation_forward(kernel_isa(), act, rows, channels, dst, dst_stride, src, src_stride);
}

void f32_activation_backward(Activation act, std::int64_t rows, int channels, float* d_src,
                             std::int64_t d_src_stride, const float* d_dst,
                             std::int64_t d_dst_stride, const float* src,
                             std::int64_t src_stride) {
  f32_activation_backward(kernel_isa(), act, rows, channels, d_src, d_src_stride, d_dst,
                          d_dst_stride, src, src_stride);
}

}  // namespace tunas::kernels
