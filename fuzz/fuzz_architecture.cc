// final_architecture.json as tunas_train --arch reads it (train/architecture_file.h): the
// file, its space (embedded YAML or name) and its index string.
#include "core/error.h"
#include "fuzz_input.h"
#include "search_spaces/indices.h"
#include "train/architecture_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tunas::fuzz::as_file(data, size, ".json");
  try {
    const tunas::train::ArchitectureFile arch = tunas::train::read_architecture_file(path);
    const tunas::spaces::Space space = tunas::train::architecture_space(arch, "");
    (void)tunas::spaces::parse_indices(space, arch.indices);
  } catch (const tunas::Error&) {
  }
  return 0;
}
