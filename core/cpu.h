// CPU feature detection and the ISA cap (STYLE.md G6).
//
// cpu_has() is safe during static initialisation (doctest skip decorators call it).
// TUNAS_MAX_ISA=scalar|avx2|avx512 in the environment caps what cpu_has() reports, so the
// scalar or AVX2 path can be forced for debugging and CI. The default cap is avx2: the AVX-512
// kernels have been verified only under SIMDe emulation so far, never on AVX-512 hardware, so
// they run where a user asks for them (TUNAS_MAX_ISA=avx512) until a native test run raises
// kDefaultIsaCap (core/cpu.cc).
// avx512 means AVX-512 F+BW+DQ+VL in CPUID and the OS saving the zmm and mask state (XCR0).
#pragma once

namespace tunas {

// avx512_emulated is not a CPU feature: it names the AVX-512 kernels compiled a second time
// against SIMDe (kernels/simd/avx512.h), which only test binaries link (kernels/config.h).
enum class Isa { scalar = 0, avx2 = 1, avx512 = 2, avx512_emulated = 3 };

const char* isa_name(Isa isa);
// True when the CPU supports isa (avx2 means AVX2 + FMA) and TUNAS_MAX_ISA allows it;
// false for avx512_emulated.
bool cpu_has(Isa isa);
// The best ISA allowed.
Isa best_isa();

// Logging verbosity from TUNAS_VERBOSE (0 default).
int verbosity();

}  // namespace tunas
