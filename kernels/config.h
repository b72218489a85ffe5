// ISA dispatch helpers shared by the kernel families (STYLE.md G6).
//
// Each family keeps its own table of micro-kernel pointers, filled once (std::call_once)
// from the CPU features, and uses these helpers to pick the ISA and log the choice:
//   * kernel_isa(): the best ISA that is allowed (tunas::cpu_has honours TUNAS_MAX_ISA)
//     AND for which hand-written kernels exist. We write AVX2+FMA kernels only, so an
//     AVX-512 machine runs the AVX2 ones.
//   * isa_allowed(isa): whether a table entry of that ISA may be used on this machine.
//   * log_ukernel_choice(): one stderr line per chosen kernel when tunas::verbosity() >= 1.
// All functions are thread-safe and may be called during static initialisation.
#pragma once

#include "core/cpu.h"

namespace tunas::kernels {

// The ISA kernel tables are filled for: avx2 when allowed, else scalar.
Isa kernel_isa();

// True when kernels written for `isa` may run here (scalar always; avx2 when cpu_has).
bool isa_allowed(Isa isa);

// Writes "tunas: <family> <slot> -> <ukernel> (<isa>)" to stderr when verbosity() >= 1.
void log_ukernel_choice(const char* family, const char* slot, const char* ukernel, Isa isa);

}  // namespace tunas::kernels
