// CIFAR-10 binary batches (datasets/cifar10.h).
#include "core/error.h"
#include "datasets/cifar10.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tunas::fuzz::as_file(data, size, ".bin");
  try {
    (void)tunas::datasets::read_cifar10_files({path}, "cifar10/fuzz");
  } catch (const tunas::Error&) {
  }
  return 0;
}
