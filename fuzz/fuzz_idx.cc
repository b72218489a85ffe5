// IDX files (datasets/idx.h), plain or gzip: the first byte picks 1 (labels) or 3 (images)
// dimensions, the rest is the file.
#include "core/error.h"
#include "datasets/idx.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int dims = (data[0] & 1) ? 3 : 1;
  const std::string path = tunas::fuzz::as_file(data + 1, size - 1, (data[0] & 2) ? ".gz" : "");
  try {
    (void)tunas::datasets::read_idx_u8(path, dims);
  } catch (const tunas::Error&) {
  }
  return 0;
}
