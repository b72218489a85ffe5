#include "tests/datasets/image_writers.h"

#include <png.h>
#include <turbojpeg.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "core/error.h"

namespace tunas::test {

std::vector<std::uint8_t> jpeg_bytes(const std::vector<std::uint8_t>& pixels, int w, int h,
                                     JpegKind kind, int quality) {
  tjhandle tj = tjInitCompress();
  const int format = kind == JpegKind::grey ? TJPF_GRAY : kind == JpegKind::rgb ? TJPF_RGB : TJPF_CMYK;
  const int channels = kind == JpegKind::grey ? 1 : kind == JpegKind::rgb ? 3 : 4;
  const int sampling = kind == JpegKind::grey ? TJSAMP_GRAY : TJSAMP_444;
  unsigned char* out = nullptr;
  unsigned long size = 0;
  if (tjCompress2(tj, pixels.data(), w, w * channels, h, format, &out, &size, sampling, quality,
                  TJFLAG_ACCURATEDCT) != 0) {
    const std::string why = tjGetErrorStr2(tj);
    tjDestroy(tj);
    throw std::runtime_error("tjCompress2: " + why);
  }
  std::vector<std::uint8_t> bytes(out, out + size);
  tjFree(out);
  tjDestroy(tj);
  return bytes;
}

namespace {
void append_png(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + length);
}
void flush_png(png_structp) {}
int png_channels(int color_type) {
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    case PNG_COLOR_TYPE_PALETTE: return 1;
  }
  return 0;
}
}  // namespace

std::vector<std::uint8_t> png_bytes(const std::vector<std::uint16_t>& samples, int w, int h,
                                    int color_type, int bit_depth, bool interlaced,
                                    const std::vector<std::uint8_t>& palette,
                                    const std::vector<std::uint8_t>& trns) {
  std::vector<std::uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error("libpng write failed");
  }
  png_set_write_fn(png, &out, append_png, flush_png);
  png_set_IHDR(png, info, png_uint_32(w), png_uint_32(h), bit_depth, color_type,
               interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_color> colours;
  for (std::size_t i = 0; i + 2 < palette.size(); i += 3)
    colours.push_back({palette[i], palette[i + 1], palette[i + 2]});
  if (!colours.empty()) png_set_PLTE(png, info, colours.data(), int(colours.size()));
  if (!trns.empty()) png_set_tRNS(png, info, trns.data(), int(trns.size()), nullptr);
  png_write_info(png, info);
  // Pack each row into PNG's big-endian, bit-packed layout.
  const int samples_per_row = w * png_channels(color_type);
  std::vector<std::vector<std::uint8_t>> rows(static_cast<std::size_t>(h));
  for (int y = 0; y < h; ++y) {
    std::vector<std::uint8_t>& row = rows[y];
    row.assign(std::size_t((samples_per_row * bit_depth + 7) / 8), 0);
    for (int i = 0; i < samples_per_row; ++i) {
      const std::uint16_t v = samples[std::size_t(y) * samples_per_row + i];
      if (bit_depth == 16) {
        row[2 * i] = std::uint8_t(v >> 8);
        row[2 * i + 1] = std::uint8_t(v);
      } else {
        const int bit = i * bit_depth;
        row[bit / 8] |= std::uint8_t(v << (8 - bit_depth - bit % 8));
      }
    }
  }
  std::vector<png_bytep> pointers;
  for (auto& r : rows) pointers.push_back(r.data());
  png_write_image(png, pointers.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::uint8_t class_colour(int label, int channel) {
  const int v[3] = {40 * label + 20, 200 - 30 * label, 90};
  return std::uint8_t(v[channel]);
}

std::vector<std::uint8_t> class_colour_image(int label, int w, int h) {
  std::vector<std::uint8_t> rgb(std::size_t(w) * h * 3);
  for (std::size_t p = 0; p < std::size_t(w) * h; ++p)
    for (int c = 0; c < 3; ++c) rgb[3 * p + c] = class_colour(label, c);
  return rgb;
}

void write_colour_folder(const std::string& split_dir, const std::vector<std::string>& classes,
                         const std::vector<int>& per_class) {
  // The label is the class's rank in sorted order (what the loader assigns).
  std::vector<std::string> sorted = classes;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const int label = int(std::find(sorted.begin(), sorted.end(), classes[i]) - sorted.begin());
    for (int k = 0; k < per_class[i]; ++k) {
      const int w = 20 + (7 * k + 3 * label) % 41, h = 20 + (11 * k + 5 * label) % 37;
      const std::vector<std::uint8_t> rgb = class_colour_image(label, w, h);
      const std::string stem = str_cat(split_dir, "/", classes[i], "/img", k);
      if (k % 2 == 0) {
        write_bytes(stem + ".jpg", jpeg_bytes(rgb, w, h, JpegKind::rgb, 95));
      } else {
        std::vector<std::uint16_t> samples(rgb.begin(), rgb.end());
        write_bytes(stem + ".png", png_bytes(samples, w, h, PNG_COLOR_TYPE_RGB, 8));
      }
    }
  }
}

}  // namespace tunas::test
