// The emulated AVX-512 kernels (kernels/simd/avx512_emulated.h): this binary registers them,
// so every kernel test that walks allowed_isas() also runs the avx512 code paths, compiled
// against SIMDe, on machines without AVX-512. Here: the registration is complete and the
// avx512_emulated tables hold those copies and nothing else of AVX-512.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/cpu.h"
#include "kernels/config.h"
#include "kernels/f32-activation/activation.h"
#include "kernels/f32-bn/bn-chunk.h"
#include "kernels/f32-conv/conv.h"
#include "kernels/f32-conv1x1/gemm.h"
#include "kernels/f32-dwconv/dwconv.h"
#include "kernels/optim/optim.h"
#include "kernels/simd/avx512_emulated.h"

namespace {

// Registered before main(), so every test sees the emulated ISA.
const bool registered = (tunas::kernels::register_avx512_emulated_ukernels(), true);

// Every avx512 line of every family's .inc has a registered copy distinct from the native one.
void check_registered(const char* isa, const char* name, tunas::kernels::AnyUkernel native) {
  if (std::string(isa) != "avx512") return;
  CAPTURE(name);
  const tunas::kernels::AnyUkernel emulated = tunas::kernels::find_emulated_ukernel(name);
  CHECK((emulated != nullptr));
  CHECK((emulated != native));
}

}  // namespace

TEST_CASE("avx512-emulated: every avx512 kernel of every family is registered") {
  using namespace tunas::kernels;
  REQUIRE(registered);
  int lines = 0;
#define TUNAS_ANY_UKERNEL(isa, ns, fn)                                               \
  check_registered(#isa, #fn, reinterpret_cast<AnyUkernel>(&ns::fn));                 \
  lines += std::string(#isa) == "avx512";
#include "kernels/simd/avx512-ukernels.inc"
#undef TUNAS_ANY_UKERNEL
  CHECK(lines == 18 + 2 + 2 + 1 + 1 + 2);  // dwconv, activation, optim, gemm, bn, conv
  CHECK((find_emulated_ukernel("f32_dwconv_forward_ukernel_3x3s1_8c_avx2") == nullptr));
}

TEST_CASE("avx512-emulated: listed as an ISA where AVX2 is allowed; never the default") {
  using namespace tunas::kernels;
  const std::vector<tunas::Isa> isas = allowed_isas();
  const bool listed = std::find(isas.begin(), isas.end(), tunas::Isa::avx512_emulated) != isas.end();
  CHECK(listed == tunas::cpu_has(tunas::Isa::avx2));
  CHECK(kernel_isa() != tunas::Isa::avx512_emulated);
  CHECK_FALSE(tunas::cpu_has(tunas::Isa::avx512_emulated));
  CHECK(std::string(tunas::isa_name(tunas::Isa::avx512_emulated)) == "avx512-emulated");
  if (!tunas::cpu_has(tunas::Isa::avx512)) {
    MESSAGE("skipped: native AVX-512 rows (this CPU lacks AVX-512 F+BW+DQ+VL or TUNAS_MAX_ISA caps it)");
  }
}
