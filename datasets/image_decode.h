// Decoding JPEG and PNG files to 8-bit RGB with Debian's libjpeg-turbo (TurboJPEG API) and
// libpng. No hand-written decoders.
//
// Every image comes out as height x width x 3 uint8, HWC, whatever it was stored as:
//   JPEG  grey -> R = G = B; RGB/YCbCr as decoded; CMYK and YCCK (Adobe, as Photoshop writes
//         them: the stored values are inverted, 255 = no ink) -> R = C*K/255, G = M*K/255,
//         B = Y*K/255 (rounded). libjpeg's accurate integer DCT and fancy upsampling (the
//         settings Pillow uses). A JPEG libjpeg only warns about (truncated data, a corrupt
//         Huffman stream) is an error here: TJFLAG_STOPONWARNING.
//   PNG   1/2/4/8/16-bit grey, grey+alpha, RGB, RGBA and palette (with or without tRNS), also
//         interlaced: 16-bit samples scaled to 8 (v * 255 / 65535, rounded), alpha dropped
//         (as Pillow's convert("RGB"); no compositing), grey replicated. Gamma and colour
//         chunks are ignored, as in Pillow.
// The format is chosen by the file's first bytes, never its name.
//
// Errors are tunas::Error naming `name` (the file) and the decoder's reason: empty file, not a
// JPEG or PNG (with the first bytes), truncated or corrupt data, images over kMaxImagePixels.
// Thread-safety: every function may run on many threads at once (decoder state is per call
// or per thread).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tunas::datasets {

// A decoded image: rgb[(y * width + x) * 3 + c].
struct DecodedImage {
  int height = 0, width = 0;
  std::vector<std::uint8_t> rgb;
};

// Larger images are refused (a corrupt header must not make us allocate gigabytes).
inline constexpr std::int64_t kMaxImagePixels = std::int64_t(1) << 28;  // 16384 x 16384
// A JPEG promising more pixels per byte of file than this is refused before any allocation:
// Huffman coding spends at least one bit per 8x8 block of the first component (at most 512
// pixels a byte); photographs run at 1 to 50. Without it a 350-byte file found by fuzzing
// made the decoder allocate 1.5 GB (its header: 65399 x 3331 CMYK), kept afterwards by the
// thread's reused buffers. Arithmetic-coded near-flat images could exceed it; none is a photo.
inline constexpr std::int64_t kMaxJpegPixelsPerByte = 4096;

enum class ImageFormat { unknown, jpeg, png };
ImageFormat sniff_image_format(std::span<const std::uint8_t> bytes);

// Decodes into `out` (its buffer is reused when large enough). Throws tunas::Error.
void decode_jpeg(std::span<const std::uint8_t> bytes, const std::string& name, DecodedImage& out);
void decode_png(std::span<const std::uint8_t> bytes, const std::string& name, DecodedImage& out);
// Either of the above by the file's magic bytes.
void decode_image(std::span<const std::uint8_t> bytes, const std::string& name, DecodedImage& out);

}  // namespace tunas::datasets
