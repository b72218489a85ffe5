#include "core/cpu.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace tunas {

namespace {
// Raise to Isa::avx512 once test_kernels has passed natively on an AVX-512 machine (core/cpu.h).
constexpr Isa kDefaultIsaCap = Isa::avx2;

struct Features {
  bool avx2 = false;
  bool avx512 = false;
  Isa cap = kDefaultIsaCap;
};

#if defined(__x86_64__) || defined(__i386__)
// The CPU's AVX-512 F+BW+DQ+VL bits (CPUID leaf 7) and the OS's XCR0 enabling the SSE, AVX,
// opmask and both zmm halves (bits 1, 2, 5, 6, 7): without the latter the instructions fault.
bool detect_avx512() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return false;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const unsigned want = bit_AVX512F | bit_AVX512BW | bit_AVX512DQ | bit_AVX512VL;
  if ((ebx & want) != want) return false;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const unsigned xcr0_want = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7);
  return (xcr0_lo & xcr0_want) == xcr0_want;
}
#endif

Features detect() {
  Features f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  f.avx512 = f.avx2 && detect_avx512();
#endif
  if (const char* cap = std::getenv("TUNAS_MAX_ISA")) {
    if (std::strcmp(cap, "scalar") == 0) f.cap = Isa::scalar;
    else if (std::strcmp(cap, "avx2") == 0) f.cap = Isa::avx2;
    else if (std::strcmp(cap, "avx512") == 0) f.cap = Isa::avx512;
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
    case Isa::avx512_emulated: return "avx512-emulated";
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
    case Isa::avx512_emulated: return false;
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
