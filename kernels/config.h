// ISA dispatch shared by the kernel families (STYLE.md G6).
//
// Every family lists its micro-kernels in ONE .inc file, scalar lines first:
//   TUNAS_<FAMILY>_UKERNEL(isa, <slot fields>..., fn)
// and its dispatch table for an ISA cap holds one UkernelSlot per slot; expanding the list (in
// the table's fill(cap)) calls slot.offer(Isa::isa, cap, fn, #fn) for each line, so a slot
// keeps the LAST listed kernel whose ISA may run here and is not above the cap.
// ukernel_table() builds a family's table once per cap (std::call_once); the operators use
// the default cap, kernel_isa(), and building that table logs one line per slot under
// TUNAS_VERBOSE. Tests and benchmarks ask
// for the table of each ISA in allowed_isas() and run the same oracles on every one.
//   * kernel_isa(): the best ISA that is allowed (tunas::cpu_has honours TUNAS_MAX_ISA):
//     avx512 (F+BW+DQ+VL), else avx2 (+FMA), else scalar.
//   * isa_allowed(isa): whether a table entry of that ISA may be used on this machine.
//   * avx512_emulated: the avx512 kernels compiled a second time against SIMDe under the
//     names <fn>_avx512emu (kernels/simd/avx512.h) and registered by name with
//     register_emulated_ukernel(). Only test binaries link and register them; then the table
//     for cap avx512_emulated takes, for each avx512 line, that emulated copy (and the scalar
//     and allowed avx2 lines as usual), so every oracle also runs on the AVX-512 code paths on
//     machines without AVX-512. Product binaries never register any.
// All functions are thread-safe and may be called during static initialisation.
#pragma once

#include <mutex>
#include <tuple>
#include <utility>
#include <vector>

#include "core/cpu.h"

namespace tunas::kernels {

// The ISA kernel tables are filled for: avx512 when allowed, else avx2 when allowed, else scalar.
Isa kernel_isa();

// True when kernels written for `isa` may run here (scalar always; avx2 and avx512 when
// cpu_has; avx512_emulated when emulated kernels are registered and AVX2 is allowed).
bool isa_allowed(Isa isa);

// Whether a table built for `cap` may take a kernel written for `isa` (the avx512_emulated
// table takes avx512 lines, through their emulated copies).
bool isa_usable(Isa isa, Isa cap);

// The ISAs whose kernel tables differ here, scalar first (tests run the oracles on each).
std::vector<Isa> allowed_isas();

// Writes "tunas: <family> <slot> -> <ukernel> (<isa>)" to stderr when verbosity() >= 1.
void log_ukernel_choice(const char* family, const char* slot, const char* ukernel, Isa isa);

// ---- emulated AVX-512 kernels (test binaries only) ------------------------------------
using AnyUkernel = void (*)();
// Registers the SIMDe copy of the avx512 kernel named `name` (its .inc name).
void register_emulated_ukernel(const char* name, AnyUkernel fn);
// The registered copy of `name`, or nullptr.
AnyUkernel find_emulated_ukernel(const char* name);

// Whether a table for `cap` takes the kernel `fn` of `isa`; for the avx512_emulated table an
// avx512 kernel is replaced by its emulated copy (fn and isa are updated in place).
template <typename Fn>
bool resolve_ukernel(Isa cap, Isa& isa, Fn*& fn, const char* name) {
  if (!isa_usable(isa, cap)) return false;
  if (cap == Isa::avx512_emulated && isa == Isa::avx512) {
    AnyUkernel emulated = find_emulated_ukernel(name);
    if (!emulated) return false;
    fn = reinterpret_cast<Fn*>(emulated);  // registered from a function of this very type
    isa = Isa::avx512_emulated;
  }
  return true;
}

// One slot of a dispatch table: its name, the chosen kernel, its .inc name and its ISA.
template <typename Fn>
struct UkernelSlot {
  explicit UkernelSlot(const char* slot_name = "") : slot(slot_name) {}

  const char* slot;
  Fn* fn = nullptr;
  const char* name = "";
  Isa isa = Isa::scalar;

  // Takes (kernel, name) when a table for `cap` may run kernels of `kernel_isa`.
  void offer(Isa kernel_isa, Isa cap, Fn* kernel, const char* kernel_name) {
    if (!resolve_ukernel(cap, kernel_isa, kernel, kernel_name)) return;
    fn = kernel;
    name = kernel_name;
    isa = kernel_isa;
  }

  void log(const char* family) const { log_ukernel_choice(family, slot, name, isa); }

  // Calls the chosen kernel.
  template <typename... Args>
  decltype(auto) operator()(Args&&... args) const {
    return fn(std::forward<Args>(args)...);
  }
};

// The log of a table whose slots are its UkernelSlot members: Table::kFamily names the family
// and Table::slots() ties the slots (std::tie), so a family lists its slots once.
template <typename Table>
void log_slots(const Table& table) {
  std::apply([](const auto&... slot) { (slot.log(Table::kFamily), ...); }, table.slots());
}

// The dispatch table of one family for `cap`: build(cap) runs once per cap, and log(table)
// once for the default cap kernel_isa(). One Table type per family (the storage is keyed on it).
template <typename Table>
const Table& ukernel_table(Isa cap, Table (*build)(Isa cap), void (*log)(const Table&)) {
  constexpr int kCaps = int(Isa::avx512_emulated) + 1;
  static Table tables[kCaps];
  static std::once_flag once[kCaps];
  const int i = int(cap);
  std::call_once(once[i], [&] {
    tables[i] = build(cap);
    if (cap == kernel_isa() && verbosity() >= 1) log(tables[i]);
  });
  return tables[i];
}

// The same for a family whose Table fills itself from its list (void fill(Isa cap), the
// .inc expanded inside it) and logs its slots with log_slots: most families.
template <typename Table>
const Table& ukernel_table(Isa cap) {
  return ukernel_table<Table>(
      cap,
      +[](Isa c) {
        Table t;
        t.fill(c);
        return t;
      },
      &log_slots<Table>);
}

}  // namespace tunas::kernels
