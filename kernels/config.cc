#include "kernels/config.h"

#include <cstdio>

namespace tunas::kernels {

Isa kernel_isa() { return isa_allowed(Isa::avx2) ? Isa::avx2 : Isa::scalar; }

bool isa_allowed(Isa isa) {
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return cpu_has(Isa::avx2);
    case Isa::avx512: return false;  // no AVX-512 kernels are written (yet)
  }
  return false;
}

bool isa_usable(Isa isa, Isa cap) { return isa_allowed(isa) && int(isa) <= int(cap); }

std::vector<Isa> allowed_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512})
    if (isa_allowed(isa)) isas.push_back(isa);
  return isas;
}

void log_ukernel_choice(const char* family, const char* slot, const char* ukernel, Isa isa) {
  if (verbosity() >= 1) {
    std::fprintf(stderr, "tunas: %s %s -> %s (%s)\n", family, slot, ukernel, isa_name(isa));
  }
}

}  // namespace tunas::kernels
