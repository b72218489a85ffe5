// ISA dispatch shared by the kernel families (STYLE.md G6).
//
// Every family lists its micro-kernels in ONE .inc file, scalar lines first:
//   TUNAS_<FAMILY>_UKERNEL(isa, <slot fields>..., fn)
// and its dispatch table for an ISA cap takes, per slot, the LAST listed kernel whose ISA is
// allowed here (isa_allowed) and not above the cap. ukernel_table() builds a family's table
// once per cap (std::call_once); the operators use the default cap, kernel_isa(), and building
// that table logs one line per slot under TUNAS_VERBOSE. Tests and benchmarks ask for the
// table of each ISA in allowed_isas() and run the same oracles on every one.
//   * kernel_isa(): the best ISA that is allowed (tunas::cpu_has honours TUNAS_MAX_ISA)
//     AND for which hand-written kernels exist. AVX2+FMA kernels are written, AVX-512 ones
//     are not, so an AVX-512 machine runs the AVX2 ones.
//   * isa_allowed(isa): whether a table entry of that ISA may be used on this machine.
//   * log_ukernel_choice(): one stderr line per chosen kernel when tunas::verbosity() >= 1.
// All functions are thread-safe and may be called during static initialisation.
#pragma once

#include <mutex>
#include <vector>

#include "core/cpu.h"

namespace tunas::kernels {

// The ISA kernel tables are filled for: avx2 when allowed, else scalar.
Isa kernel_isa();

// True when kernels written for `isa` may run here (scalar always; avx2 when cpu_has).
bool isa_allowed(Isa isa);

// Whether a table built for `cap` may take a kernel written for `isa`.
bool isa_usable(Isa isa, Isa cap);

// The ISAs whose kernel tables differ here, scalar first (tests run the oracles on each).
std::vector<Isa> allowed_isas();

// Writes "tunas: <family> <slot> -> <ukernel> (<isa>)" to stderr when verbosity() >= 1.
void log_ukernel_choice(const char* family, const char* slot, const char* ukernel, Isa isa);

// The dispatch table of one family for `cap`: build(cap) runs once per cap, and log(table)
// once for the default cap kernel_isa(). One Table type per family (the storage is keyed on it).
template <typename Table>
const Table& ukernel_table(Isa cap, Table (*build)(Isa cap), void (*log)(const Table&)) {
  static Table tables[3];
  static std::once_flag once[3];
  const int i = int(cap);
  std::call_once(once[i], [&] {
    tables[i] = build(cap);
    if (cap == kernel_isa() && verbosity() >= 1) log(tables[i]);
  });
  return tables[i];
}

}  // namespace tunas::kernels
