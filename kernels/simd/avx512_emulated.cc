// Registry of the emulated AVX-512 kernels: every family's .inc expanded twice, the avx512
// lines only (TUNAS_AVX512_EMULATED_<isa> is empty for the other ISAs): once to declare
// <fn>_avx512emu with the type of fn, once to register it under the name #fn.
#include "kernels/simd/avx512_emulated.h"

#include <mutex>

#include "kernels/config.h"
#include "kernels/f32-activation/activation.h"
#include "kernels/f32-bn/bn-chunk.h"
#include "kernels/f32-conv1x1/gemm.h"
#include "kernels/f32-dwconv/dwconv.h"
#include "kernels/optim/optim.h"

#define TUNAS_AVX512_EMULATED_scalar(fn)
#define TUNAS_AVX512_EMULATED_avx2(fn)

// ---- declarations ----
#define TUNAS_AVX512_EMULATED_avx512(fn) decltype(fn) fn##_avx512emu;
namespace tunas::kernels {
#define TUNAS_DWCONV_UKERNEL(isa, pass, kernel_size, stride, channel_tile, fn) \
  TUNAS_AVX512_EMULATED_##isa(fn)
#include "kernels/f32-dwconv/f32-dwconv.inc"
#undef TUNAS_DWCONV_UKERNEL
#define TUNAS_ACTIVATION_UKERNEL(isa, pass, fn) TUNAS_AVX512_EMULATED_##isa(fn)
#include "kernels/f32-activation/f32-activation.inc"
#undef TUNAS_ACTIVATION_UKERNEL
#define TUNAS_OPTIM_UKERNEL(isa, update, fn) TUNAS_AVX512_EMULATED_##isa(fn)
#include "kernels/optim/optim.inc"
#undef TUNAS_OPTIM_UKERNEL
#define TUNAS_GEMM_UKERNEL(isa, fn) TUNAS_AVX512_EMULATED_##isa(fn)
#include "kernels/f32-conv1x1/f32-gemm.inc"
#undef TUNAS_GEMM_UKERNEL
namespace bn_detail {
#define TUNAS_BN_UKERNEL(isa, fn) TUNAS_AVX512_EMULATED_##isa(fn)
#include "kernels/f32-bn/f32-bn.inc"
#undef TUNAS_BN_UKERNEL
}  // namespace bn_detail
}  // namespace tunas::kernels
#undef TUNAS_AVX512_EMULATED_avx512

namespace tunas::kernels {

namespace {
void register_all() {
#define TUNAS_AVX512_EMULATED_avx512(fn) \
  register_emulated_ukernel(#fn, reinterpret_cast<AnyUkernel>(fn##_avx512emu));
#define TUNAS_DWCONV_UKERNEL(isa, pass, kernel_size, stride, channel_tile, fn) \
  TUNAS_AVX512_EMULATED_##isa(fn)
#include "kernels/f32-dwconv/f32-dwconv.inc"
#undef TUNAS_DWCONV_UKERNEL
#define TUNAS_ACTIVATION_UKERNEL(isa, pass, fn) TUNAS_AVX512_EMULATED_##isa(fn)
#include "kernels/f32-activation/f32-activation.inc"
#undef TUNAS_ACTIVATION_UKERNEL
#define TUNAS_OPTIM_UKERNEL(isa, update, fn) TUNAS_AVX512_EMULATED_##isa(fn)
#include "kernels/optim/optim.inc"
#undef TUNAS_OPTIM_UKERNEL
#define TUNAS_GEMM_UKERNEL(isa, fn) TUNAS_AVX512_EMULATED_##isa(fn)
#include "kernels/f32-conv1x1/f32-gemm.inc"
#undef TUNAS_GEMM_UKERNEL
  using namespace bn_detail;
#define TUNAS_BN_UKERNEL(isa, fn) TUNAS_AVX512_EMULATED_##isa(fn)
#include "kernels/f32-bn/f32-bn.inc"
#undef TUNAS_BN_UKERNEL
#undef TUNAS_AVX512_EMULATED_avx512
}
}  // namespace

void register_avx512_emulated_ukernels() {
  static std::once_flag once;
  std::call_once(once, register_all);
}

}  // namespace tunas::kernels
