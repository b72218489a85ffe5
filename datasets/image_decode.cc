#include "datasets/image_decode.h"

#include <cstdio>

#include "core/error.h"

namespace tunas::datasets {

ImageFormat sniff_image_format(std::span<const std::uint8_t> bytes) {
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
    return ImageFormat::jpeg;
  static constexpr std::uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() >= 8 && std::equal(kPng, kPng + 8, bytes.begin())) return ImageFormat::png;
  return ImageFormat::unknown;
}

void decode_image(std::span<const std::uint8_t> bytes, const std::string& name, DecodedImage& out) {
  TUNAS_REQUIRE(!bytes.empty(), name, ": empty file (0 bytes), not an image");
  switch (sniff_image_format(bytes)) {
    case ImageFormat::jpeg: return decode_jpeg(bytes, name, out);
    case ImageFormat::png: return decode_png(bytes, name, out);
    case ImageFormat::unknown: break;
  }
  std::string head;
  for (std::size_t i = 0; i < std::min<std::size_t>(bytes.size(), 8); ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%02x ", bytes[i]);
    head += hex;
  }
  throw Error(str_cat(name, ": not a JPEG or PNG image (first bytes: ", head,
                      "); only JPEG and PNG files are read"));
}

}  // namespace tunas::datasets
