// AVX2+FMA chunk kernels for kernels/f32-bn (compiled with tunas_avx2_sources(); used only
// when tunas::cpu_has(Isa::avx2)): bn-simd.inc on 8-lane vectors, channel tails stored
// through the stack (vmaskmovps stores are slow on AMD).
#include <immintrin.h>

#include "kernels/f32-activation/activation-avx2.h"
#include "kernels/f32-bn/bn-chunk.h"

namespace tunas::kernels::bn_detail {

namespace {
using Reg = __m256;
using Mask = __m256i;
constexpr int kLanes = 8;
#define TUNAS_MM(op) _mm256_##op
using avx2::activation_derivative_ps;
using avx2::activation_value_ps;
using avx2::tail_mask;
inline Reg masked_load(const float* p, Mask mask) { return _mm256_maskload_ps(p, mask); }
inline void store_tail(float* p, Reg v, int n, Mask) { avx2::store_tail(p, v, n); }
#include "kernels/f32-bn/bn-simd.inc"
#undef TUNAS_MM
}  // namespace

const ChunkKernels& chunk_kernels_avx2() { return isa_chunk_kernels("avx2"); }

}  // namespace tunas::kernels::bn_detail
