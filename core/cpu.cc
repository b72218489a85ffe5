#include "core/cpu.h"

#include <cstdlib>
#include <cstring>

namespace tunas {

namespace {
struct Features {
  bool avx2 = false;
  bool avx512 = false;
  Isa cap = Isa::avx512;
};

Features detect() {
  Features f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  f.avx512 = f.avx2 && __builtin_cpu_supports("avx512f");
#endif
  if (const char* cap = std::getenv("TUNAS_MAX_ISA")) {
    if (std::strcmp(cap, "scalar") == 0) f.cap = Isa::scalar;
    else if (std::strcmp(cap, "avx2") == 0) f.cap = Isa::avx2;
  }
  return f;
}

const Features& features() {
  static const Features f = detect();  // function-local: safe during static init
  return f;
}
}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "unknown";
}

bool cpu_has(Isa isa) {
  const Features& f = features();
  if (int(isa) > int(f.cap)) return false;
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return f.avx2;
    case Isa::avx512: return f.avx512;
  }
  return false;
}

Isa best_isa() {
  if (cpu_has(Isa::avx512)) return Isa::avx512;
  if (cpu_has(Isa::avx2)) return Isa::avx2;
  return Isa::scalar;
}

int verbosity() {
  static const int v = [] {
    const char* s = std::getenv("TUNAS_VERBOSE");
    return s ? std::atoi(s) : 0;
  }();
  return v;
}

}  // namespace tunas
