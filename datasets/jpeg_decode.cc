// JPEG decoding through the TurboJPEG API of libjpeg-turbo (contract in image_decode.h).
#include <turbojpeg.h>

#include "core/error.h"
#include "datasets/image_decode.h"

namespace tunas::datasets {

namespace {

// One decompressor per thread, created on first use and destroyed with the thread. After a
// failed decode it is replaced: libjpeg's state after an aborted decompression is not
// trusted (a reused handle reported 0x0 headers for valid files).
struct JpegDecompressor {
  tjhandle handle = nullptr;
  ~JpegDecompressor() { reset(); }
  void reset() {
    if (handle) tjDestroy(handle);
    handle = nullptr;
  }
};

JpegDecompressor& thread_decompressor() {
  thread_local JpegDecompressor d;
  if (!d.handle) d.handle = tjInitDecompress();
  TUNAS_REQUIRE(d.handle != nullptr, "TurboJPEG: cannot create a decompressor: ",
                tjGetErrorStr2(nullptr));
  return d;
}

[[noreturn]] void fail(JpegDecompressor& d, const std::string& message) {
  d.reset();
  throw Error(message);
}

}  // namespace

void decode_jpeg(std::span<const std::uint8_t> bytes, const std::string& name, DecodedImage& out) {
  JpegDecompressor& d = thread_decompressor();
  tjhandle tj = d.handle;
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(tj, bytes.data(), static_cast<unsigned long>(bytes.size()), &width,
                          &height, &subsampling, &colorspace) != 0) {
    fail(d, str_cat(name, ": corrupt or truncated JPEG (header): ", tjGetErrorStr2(tj)));
  }
  if (width <= 0 || height <= 0 || std::int64_t(width) * height > kMaxImagePixels) {
    fail(d, str_cat(name, ": corrupt or truncated JPEG: its header gives ", width, "x", height,
                    " pixels (valid: 1 to ", kMaxImagePixels, " pixels)"));
  }
  if (std::int64_t(width) * height > kMaxJpegPixelsPerByte * std::int64_t(bytes.size())) {
    fail(d, str_cat(name, ": corrupt JPEG header: ", width, "x", height, " pixels from a ",
                    bytes.size(), "-byte file (valid: at most ", kMaxJpegPixelsPerByte,
                    " pixels per byte)"));
  }
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  const bool grey = colorspace == TJCS_GRAY;
  const int format = cmyk ? TJPF_CMYK : grey ? TJPF_GRAY : TJPF_RGB;
  const int stored_channels = cmyk ? 4 : grey ? 1 : 3;
  const std::size_t pixels = std::size_t(width) * std::size_t(height);
  out.height = height;
  out.width = width;
  out.rgb.resize(pixels * 3);
  // Grey and CMYK decode into the front of the buffer (grey: a third of it) or a side buffer
  // (CMYK needs 4 bytes a pixel), then expand in place from the back.
  thread_local std::vector<std::uint8_t> cmyk_buffer;
  std::uint8_t* dst = out.rgb.data();
  if (cmyk) {
    cmyk_buffer.resize(pixels * 4);
    dst = cmyk_buffer.data();
  }
  if (tjDecompress2(tj, bytes.data(), static_cast<unsigned long>(bytes.size()), dst, width,
                    width * stored_channels, height, format, TJFLAG_STOPONWARNING) != 0) {
    fail(d, str_cat(name, ": corrupt or truncated JPEG: ", tjGetErrorStr2(tj)));
  }
  if (grey) {
    for (std::size_t p = pixels; p-- > 0;) {
      const std::uint8_t v = out.rgb[p];
      out.rgb[3 * p] = out.rgb[3 * p + 1] = out.rgb[3 * p + 2] = v;
    }
  } else if (cmyk) {
    for (std::size_t p = 0; p < pixels; ++p) {
      const unsigned k = cmyk_buffer[4 * p + 3];
      for (int c = 0; c < 3; ++c)
        out.rgb[3 * p + c] = std::uint8_t((cmyk_buffer[4 * p + c] * k + 127) / 255);
    }
  }
}

}  // namespace tunas::datasets
