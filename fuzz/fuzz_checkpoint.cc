// checkpoint.bin (run/checkpoint.h): parse, then read every section the way a resume does.
#include "core/error.h"
#include "fuzz_input.h"
#include "run/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const tunas::run::Checkpoint c =
        tunas::run::Checkpoint::parse({data, size}, "<fuzz>/checkpoint.bin");
    (void)c.get_string("meta/fingerprint");
    (void)c.get_i64("meta/step");
    float weights[64];
    c.get_finite_floats("supernet/weights", weights, 64);
  } catch (const tunas::Error&) {
  }
  return 0;
}
