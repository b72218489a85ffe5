// Registry of the emulated AVX-512 kernels: every family's .inc (avx512-ukernels.inc)
// expanded twice, the avx512 lines only (TUNAS_AVX512_EMULATED_<isa> is empty for the other
// ISAs): once to declare <fn>_avx512emu with the type of fn, once to register it as #fn.
#include "kernels/simd/avx512_emulated.h"

#include <mutex>

#include "kernels/config.h"
#include "kernels/f32-activation/activation.h"
#include "kernels/f32-bn/bn-chunk.h"
#include "kernels/f32-conv/conv.h"
#include "kernels/f32-conv1x1/gemm.h"
#include "kernels/f32-dwconv/dwconv.h"
#include "kernels/optim/optim.h"

#define TUNAS_ANY_UKERNEL(isa, ns, fn) TUNAS_AVX512_EMULATED_##isa(ns, fn)
#define TUNAS_AVX512_EMULATED_scalar(ns, fn)
#define TUNAS_AVX512_EMULATED_avx2(ns, fn)

#define TUNAS_AVX512_EMULATED_avx512(ns, fn) \
  namespace ns {                             \
  decltype(fn) fn##_avx512emu;               \
  }
#include "kernels/simd/avx512-ukernels.inc"
#undef TUNAS_AVX512_EMULATED_avx512

namespace tunas::kernels {

namespace {
void register_all() {
#define TUNAS_AVX512_EMULATED_avx512(ns, fn) \
  register_emulated_ukernel(#fn, reinterpret_cast<AnyUkernel>(ns::fn##_avx512emu));
#include "kernels/simd/avx512-ukernels.inc"
#undef TUNAS_AVX512_EMULATED_avx512
}
}  // namespace

void register_avx512_emulated_ukernels() {
  static std::once_flag once;
  std::call_once(once, register_all);
}

}  // namespace tunas::kernels
