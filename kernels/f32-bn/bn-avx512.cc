// AVX-512 chunk kernels for kernels/f32-bn (tunas_avx512_sources(); used only when
// tunas::cpu_has(Isa::avx512), or renamed against SIMDe in the tests, kernels/simd/avx512.h):
// bn-simd.inc on 16-lane vectors with __mmask16 channel tails.
#include "kernels/f32-activation/activation-avx512.h"
#include "kernels/f32-bn/bn-chunk.h"

namespace tunas::kernels::bn_detail {

namespace {
using Reg = __m512;
using Mask = __mmask16;
constexpr int kLanes = 16;
#define TUNAS_MM(op) _mm512_##op
using TUNAS_AVX512_NS::activation_derivative_ps;
using TUNAS_AVX512_NS::activation_value_ps;
using TUNAS_AVX512_NS::tail_mask;
inline Reg masked_load(const float* p, Mask mask) {
  return TUNAS_AVX512_NS::maskz_loadu_ps(mask, p);
}
inline void store_tail(float* p, Reg v, int, Mask mask) {
  TUNAS_AVX512_NS::mask_storeu_ps(p, mask, v);
}
#include "kernels/f32-bn/bn-simd.inc"
#undef TUNAS_MM
}  // namespace

const ChunkKernels& TUNAS_AVX512_FN(chunk_kernels_avx512)() { return isa_chunk_kernels("avx512"); }

}  // namespace tunas::kernels::bn_detail
