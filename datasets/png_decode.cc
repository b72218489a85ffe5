// PNG decoding through libpng's classic API (contract in image_decode.h).
//
// libpng reports errors by longjmp. The decoder below keeps every object that lives across
// setjmp in a heap-held context (no automatic C++ object is modified between setjmp and
// longjmp, and none is skipped by the jump), and turns a longjmp into a tunas::Error.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.h"
#include "datasets/image_decode.h"

namespace tunas::datasets {

namespace {

struct PngReadContext {
  std::span<const std::uint8_t> bytes;
  std::size_t offset = 0;
  char message[256] = {};
  std::vector<png_bytep> rows;
};

void png_read_from_memory(png_structp png, png_bytep dst, png_size_t length) {
  auto* ctx = static_cast<PngReadContext*>(png_get_io_ptr(png));
  if (length > ctx->bytes.size() - ctx->offset) png_error(png, "unexpected end of file (truncated)");
  std::memcpy(dst, ctx->bytes.data() + ctx->offset, length);
  ctx->offset += length;
}

void png_on_error(png_structp png, png_const_charp message) {
  auto* ctx = static_cast<PngReadContext*>(png_get_error_ptr(png));
  std::snprintf(ctx->message, sizeof ctx->message, "%s", message);
  png_longjmp(png, 1);
}

void png_on_warning(png_structp, png_const_charp) {}  // ancillary-chunk issues: ignored

struct PngStructs {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngStructs() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

// Returns false (with ctx.message set) when libpng failed.
bool read_png(PngStructs& s, PngReadContext& ctx, DecodedImage& out) {
  if (setjmp(png_jmpbuf(s.png))) return false;
  png_set_read_fn(s.png, &ctx, png_read_from_memory);
  png_read_info(s.png, s.info);
  const png_uint_32 width = png_get_image_width(s.png, s.info);
  const png_uint_32 height = png_get_image_height(s.png, s.info);
  if (width == 0 || height == 0 || std::int64_t(width) * height > kMaxImagePixels) {
    std::snprintf(ctx.message, sizeof ctx.message, "PNG of %ux%u pixels is empty or too large",
                  unsigned(width), unsigned(height));
    return false;
  }
  const int color = png_get_color_type(s.png, s.info);
  png_set_scale_16(s.png);
  png_set_expand(s.png);  // palette -> RGB, grey < 8 bits -> 8 bits, tRNS -> alpha
  png_set_strip_alpha(s.png);
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(s.png);
  png_set_interlace_handling(s.png);
  png_read_update_info(s.png, s.info);
  if (png_get_rowbytes(s.png, s.info) != std::size_t(width) * 3) {
    std::snprintf(ctx.message, sizeof ctx.message, "unsupported PNG layout (%u bytes per row)",
                  unsigned(png_get_rowbytes(s.png, s.info)));
    return false;
  }
  out.width = int(width);
  out.height = int(height);
  out.rgb.resize(std::size_t(width) * height * 3);
  ctx.rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) ctx.rows[y] = out.rgb.data() + std::size_t(y) * width * 3;
  png_read_image(s.png, ctx.rows.data());
  png_read_end(s.png, nullptr);
  return true;
}

}  // namespace

void decode_png(std::span<const std::uint8_t> bytes, const std::string& name, DecodedImage& out) {
  auto ctx = std::make_unique<PngReadContext>();
  ctx->bytes = bytes;
  PngStructs s;
  s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx.get(), png_on_error, png_on_warning);
  TUNAS_REQUIRE(s.png != nullptr, name, ": libpng: cannot create a read struct");
  s.info = png_create_info_struct(s.png);
  TUNAS_REQUIRE(s.info != nullptr, name, ": libpng: cannot create an info struct");
  if (!read_png(s, *ctx, out)) throw Error(str_cat(name, ": corrupt or truncated PNG: ", ctx->message));
}

}  // namespace tunas::datasets
