// AVX2+FMA GEMM block kernel (f32-gemm.inc): 6x16, 4x24 and 6x8 tiles (gemm-simd.h).
// Compiled with -mavx2 -mfma (tunas_avx2_sources); called only when cpu_has(Isa::avx2).
#include "kernels/simd/avx2.h"
#include "kernels/f32-conv1x1/gemm-simd.h"

namespace tunas::kernels {
TUNAS_GEMM_BLOCK(avx2::F32x8, f32_gemm_block_avx2)
}  // namespace tunas::kernels
