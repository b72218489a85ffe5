// Search space YAML (search_spaces/parse.h): parse, then resolve the all-zeros architecture.
#include "core/error.h"
#include "fuzz_input.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "search_spaces/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const tunas::spaces::Space space = tunas::spaces::parse_space_yaml(tunas::fuzz::as_text(data, size), "<fuzz>");
    const tunas::spaces::Indices zeros(space.decisions.size(), 0);
    (void)tunas::spaces::count_macs(tunas::spaces::resolve(space, zeros));
  } catch (const tunas::Error&) {
  }
  return 0;
}
