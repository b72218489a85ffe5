// Image files as the streaming loader decodes them (datasets/image_decode.h): JPEG through
// TurboJPEG, PNG through libpng, chosen by the first bytes.
#include "core/error.h"
#include "datasets/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static tunas::datasets::DecodedImage image;  // reused, as each loader thread does
  try {
    tunas::datasets::decode_image({data, size}, "<fuzz>/image", image);
  } catch (const tunas::Error&) {
  }
  return 0;
}
