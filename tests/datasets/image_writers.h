// Test helpers that encode small JPEG (TurboJPEG) and PNG (libpng) files, and write image
// folders whose every image has a class-specific colour, so a test can read back which class
// landed in a batch slot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tunas::test {

enum class JpegKind { grey, rgb, cmyk };
// pixels: h*w*channels (1 grey, 3 RGB, 4 CMYK as TurboJPEG's TJPF_CMYK), 4:4:4 sampling.
std::vector<std::uint8_t> jpeg_bytes(const std::vector<std::uint8_t>& pixels, int w, int h,
                                     JpegKind kind, int quality = 95);

// PNG of the given libpng colour type (PNG_COLOR_TYPE_*) and bit depth. samples: h rows of
// w * channels(color_type) samples, 8- or 16-bit values in the low bits of each uint16;
// `palette` (RGB triples) for PNG_COLOR_TYPE_PALETTE, `trns` alpha per palette entry.
std::vector<std::uint8_t> png_bytes(const std::vector<std::uint16_t>& samples, int w, int h,
                                    int color_type, int bit_depth, bool interlaced = false,
                                    const std::vector<std::uint8_t>& palette = {},
                                    const std::vector<std::uint8_t>& trns = {});

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes);

// A solid-colour RGB image w x h of class `label`: (40 * label + 20, 200 - 30 * label, 90).
std::vector<std::uint8_t> class_colour_image(int label, int w, int h);
std::uint8_t class_colour(int label, int channel);

// DIR/train/<class_i>/img<k>.{jpg|png} for `per_class[i]` images of class i (alternating JPEG
// and PNG, sizes varying between 20 and 60 pixels). Class folder names are given (they are
// sorted by the loader, not by this writer).
void write_colour_folder(const std::string& split_dir, const std::vector<std::string>& classes,
                         const std::vector<int>& per_class);

}  // namespace tunas::test
