// Test-only (library tunas_kernels_avx512emu): the avx512 kernels of every family compiled
// against SIMDe (kernels/simd/avx512.h), registered as the avx512_emulated table
// (kernels/config.h).
#pragma once

namespace tunas::kernels {

// Registers every emulated kernel by its .inc name; idempotent. After it, allowed_isas()
// lists Isa::avx512_emulated (on machines with AVX2, which the emulation runs on).
void register_avx512_emulated_ukernels();

}  // namespace tunas::kernels
