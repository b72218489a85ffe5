// AVX-512 GEMM block kernel (f32-gemm.inc): 6x32, 4x48 and 6x16 tiles with __mmask16 column
// tails (gemm-simd.h). Every C element is the same FMA chain over k as in the AVX2 kernel.
// Compiled natively (tunas_avx512_sources; called only when cpu_has(Isa::avx512)) and,
// renamed, against SIMDe for the tests (kernels/simd/avx512.h).
#include "kernels/simd/avx512.h"
#include "kernels/f32-conv1x1/gemm-simd.h"

namespace tunas::kernels {
TUNAS_GEMM_BLOCK(TUNAS_AVX512_NS::F32x16, TUNAS_AVX512_FN(f32_gemm_block_avx512))
}  // namespace tunas::kernels
