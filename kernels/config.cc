#include "kernels/config.h"

#include <cstdio>
#include <cstring>

namespace tunas::kernels {

namespace {
struct EmulatedUkernel {
  const char* name;
  AnyUkernel fn;
};

struct EmulatedRegistry {
  std::mutex mutex;
  std::vector<EmulatedUkernel> ukernels;
};

EmulatedRegistry& emulated_registry() {
  static EmulatedRegistry registry;  // function-local: registration runs in static init
  return registry;
}

bool have_emulated() {
  EmulatedRegistry& r = emulated_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return !r.ukernels.empty();
}
}  // namespace

Isa kernel_isa() {
  if (isa_allowed(Isa::avx512)) return Isa::avx512;
  return isa_allowed(Isa::avx2) ? Isa::avx2 : Isa::scalar;
}

bool isa_allowed(Isa isa) {
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return cpu_has(Isa::avx2);
    case Isa::avx512: return cpu_has(Isa::avx512);
    // The emulated kernels are compiled with the AVX2 flags (kernels/CMakeLists.txt).
    case Isa::avx512_emulated: return have_emulated() && cpu_has(Isa::avx2);
  }
  return false;
}

bool isa_usable(Isa isa, Isa cap) {
  if (cap == Isa::avx512_emulated) {
    return isa == Isa::avx512 ? isa_allowed(cap) : isa != cap && isa_allowed(isa);
  }
  return isa_allowed(isa) && int(isa) <= int(cap);
}

std::vector<Isa> allowed_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::avx512_emulated})
    if (isa_allowed(isa)) isas.push_back(isa);
  return isas;
}

void log_ukernel_choice(const char* family, const char* slot, const char* ukernel, Isa isa) {
  if (verbosity() >= 1) {
    std::fprintf(stderr, "tunas: %s %s -> %s (%s)\n", family, slot, ukernel, isa_name(isa));
  }
}

void register_emulated_ukernel(const char* name, AnyUkernel fn) {
  EmulatedRegistry& r = emulated_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.ukernels.push_back({name, fn});
}

AnyUkernel find_emulated_ukernel(const char* name) {
  EmulatedRegistry& r = emulated_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (const EmulatedUkernel& u : r.ukernels)
    if (std::strcmp(u.name, name) == 0) return u.fn;
  return nullptr;
}

}  // namespace tunas::kernels
