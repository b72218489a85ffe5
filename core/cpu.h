// CPU feature detection and the ISA cap (STYLE.md G6).
//
// cpu_has() is safe during static initialisation (doctest skip decorators call it).
// TUNAS_MAX_ISA=scalar|avx2|avx512 in the environment caps what cpu_has() reports, so the
// scalar path can be forced for debugging and CI.
#pragma once

namespace tunas {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

const char* isa_name(Isa isa);
// True when the CPU supports isa (avx2 means AVX2 + FMA) and TUNAS_MAX_ISA allows it.
bool cpu_has(Isa isa);
// The best ISA allowed.
Isa best_isa();

// Logging verbosity from TUNAS_VERBOSE (0 default).
int verbosity();

}  // namespace tunas
