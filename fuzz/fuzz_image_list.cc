// File lists of `--data filelist:DIR` (datasets/image_folder.h): the input is DIR/train.txt,
// then also DIR/val.txt, read with the labels and class count of train.txt.
#include <filesystem>

#include "core/error.h"
#include "datasets/image_folder.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = tunas::fuzz::as_directory();
  tunas::fuzz::write_file(dir + "/train.txt", data, size);
  std::filesystem::remove(dir + "/val.txt");
  try {
    (void)tunas::datasets::load_image_list(dir);
    tunas::fuzz::write_file(dir + "/val.txt", data, size);
    (void)tunas::datasets::load_image_list(dir);
  } catch (const tunas::Error&) {
  }
  return 0;
}
