// Latency lookup tables (latency/lut_table.h): tunas_profile's JSON.
#include "core/error.h"
#include "fuzz_input.h"
#include "latency/lut_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)tunas::latency::LutTable::from_json_text(tunas::fuzz::as_text(data, size), "<fuzz>.json");
  } catch (const tunas::Error&) {
  }
  return 0;
}
