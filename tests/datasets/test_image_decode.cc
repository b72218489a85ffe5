// JPEG/PNG decoding: every stored colour type comes back as RGB with the documented rule,
// and every bad file is an error naming it.
#include <doctest/doctest.h>
#include <png.h>

#include <cmath>

#include "core/error.h"
#include "datasets/image_decode.h"
#include "tests/datasets/image_writers.h"

using namespace tunas;
using namespace tunas::datasets;
using tunas::test::JpegKind;

namespace {

// A smooth test picture (JPEG-friendly): channel c at (x, y).
std::uint8_t smooth(int x, int y, int c) { return std::uint8_t(40 + 3 * x + 2 * y + 30 * c); }

DecodedImage decode(const std::vector<std::uint8_t>& bytes, const std::string& name = "test.img") {
  DecodedImage image;
  decode_image(bytes, name, image);
  return image;
}

int max_abs_diff(const DecodedImage& image, const std::vector<std::uint8_t>& expected_rgb) {
  REQUIRE(image.rgb.size() == expected_rgb.size());
  int worst = 0;
  for (std::size_t i = 0; i < expected_rgb.size(); ++i)
    worst = std::max(worst, std::abs(int(image.rgb[i]) - int(expected_rgb[i])));
  return worst;
}

constexpr int W = 24, H = 16;

std::vector<std::uint8_t> smooth_rgb() {
  std::vector<std::uint8_t> rgb;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      for (int c = 0; c < 3; ++c) rgb.push_back(smooth(x, y, c));
  return rgb;
}

}  // namespace

TEST_CASE("JPEG: RGB, grey and CMYK decode to RGB") {
  const std::vector<std::uint8_t> rgb = smooth_rgb();
  SUBCASE("rgb") {
    const DecodedImage image = decode(test::jpeg_bytes(rgb, W, H, JpegKind::rgb, 100));
    CHECK(image.width == W);
    CHECK(image.height == H);
    CHECK(max_abs_diff(image, rgb) <= 3);
  }
  SUBCASE("grey replicates into R = G = B") {
    std::vector<std::uint8_t> grey, expected;
    for (int p = 0; p < W * H; ++p) {
      grey.push_back(rgb[3 * p]);
      for (int c = 0; c < 3; ++c) expected.push_back(rgb[3 * p]);
    }
    const DecodedImage image = decode(test::jpeg_bytes(grey, W, H, JpegKind::grey, 100));
    CHECK(max_abs_diff(image, expected) <= 3);
    for (int p = 0; p < W * H; ++p) CHECK(image.rgb[3 * p] == image.rgb[3 * p + 2]);
  }
  SUBCASE("cmyk (Adobe, inverted) gives C*K/255") {
    std::vector<std::uint8_t> cmyk, expected;
    for (int p = 0; p < W * H; ++p) {
      const int k = 150 + p % 100;
      for (int c = 0; c < 3; ++c) {
        cmyk.push_back(rgb[3 * p + c]);
        expected.push_back(std::uint8_t((rgb[3 * p + c] * k + 127) / 255));
      }
      cmyk.push_back(std::uint8_t(k));
    }
    const DecodedImage image = decode(test::jpeg_bytes(cmyk, W, H, JpegKind::cmyk, 100));
    CHECK(max_abs_diff(image, expected) <= 6);
  }
}

TEST_CASE("PNG: 8/16-bit, grey, palette, alpha and interlaced decode exactly") {
  const std::vector<std::uint8_t> rgb = smooth_rgb();
  std::vector<std::uint16_t> rgb8(rgb.begin(), rgb.end());
  SUBCASE("rgb 8-bit, plain and interlaced") {
    CHECK(max_abs_diff(decode(test::png_bytes(rgb8, W, H, PNG_COLOR_TYPE_RGB, 8)), rgb) == 0);
    CHECK(max_abs_diff(decode(test::png_bytes(rgb8, W, H, PNG_COLOR_TYPE_RGB, 8, true)), rgb) == 0);
  }
  SUBCASE("rgb 16-bit scales v * 255 / 65535") {
    std::vector<std::uint16_t> wide;
    std::vector<std::uint8_t> expected;
    for (std::size_t i = 0; i < rgb.size(); ++i) {
      const std::uint16_t v = std::uint16_t(rgb[i] * 257 + (i % 200));
      wide.push_back(v);
      expected.push_back(std::uint8_t(std::lround(v * 255.0 / 65535.0)));
    }
    CHECK(max_abs_diff(decode(test::png_bytes(wide, W, H, PNG_COLOR_TYPE_RGB, 16)), expected) == 0);
  }
  SUBCASE("rgba drops alpha") {
    std::vector<std::uint16_t> rgba;
    for (int p = 0; p < W * H; ++p) {
      for (int c = 0; c < 3; ++c) rgba.push_back(rgb[3 * p + c]);
      rgba.push_back(std::uint16_t(p % 256));
    }
    CHECK(max_abs_diff(decode(test::png_bytes(rgba, W, H, PNG_COLOR_TYPE_RGB_ALPHA, 8)), rgb) == 0);
  }
  SUBCASE("grey 8-bit, grey+alpha and 1-bit grey") {
    std::vector<std::uint16_t> grey, grey_alpha, bits;
    std::vector<std::uint8_t> expected, expected_bits;
    for (int p = 0; p < W * H; ++p) {
      grey.push_back(rgb[3 * p]);
      grey_alpha.push_back(rgb[3 * p]);
      grey_alpha.push_back(std::uint16_t(255 - p % 256));
      bits.push_back(std::uint16_t(p % 3 == 0));
      for (int c = 0; c < 3; ++c) {
        expected.push_back(rgb[3 * p]);
        expected_bits.push_back(p % 3 == 0 ? 255 : 0);
      }
    }
    CHECK(max_abs_diff(decode(test::png_bytes(grey, W, H, PNG_COLOR_TYPE_GRAY, 8)), expected) == 0);
    CHECK(max_abs_diff(decode(test::png_bytes(grey_alpha, W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 8)),
                       expected) == 0);
    CHECK(max_abs_diff(decode(test::png_bytes(bits, W, H, PNG_COLOR_TYPE_GRAY, 1)), expected_bits) == 0);
  }
  SUBCASE("palette, with transparency") {
    const std::vector<std::uint8_t> palette = {10, 20, 30, 200, 100, 0, 7, 250, 128, 255, 255, 255};
    const std::vector<std::uint8_t> trns = {0, 128, 255, 255};
    std::vector<std::uint16_t> indices;
    std::vector<std::uint8_t> expected;
    for (int p = 0; p < W * H; ++p) {
      const int i = (p / 5) % 4;
      indices.push_back(std::uint16_t(i));
      for (int c = 0; c < 3; ++c) expected.push_back(palette[3 * i + c]);
    }
    for (int depth : {2, 8}) {
      CAPTURE(depth);
      CHECK(max_abs_diff(decode(test::png_bytes(indices, W, H, PNG_COLOR_TYPE_PALETTE, depth, false,
                                                palette, trns)),
                         expected) == 0);
    }
  }
}

TEST_CASE("bad image files are errors naming the file") {
  const std::vector<std::uint8_t> rgb = smooth_rgb();
  const std::vector<std::uint8_t> jpeg = test::jpeg_bytes(rgb, W, H, JpegKind::rgb, 90);
  std::vector<std::uint16_t> rgb8(rgb.begin(), rgb.end());
  const std::vector<std::uint8_t> png = test::png_bytes(rgb8, W, H, PNG_COLOR_TYPE_RGB, 8);
  DecodedImage image;
  auto fails = [&](std::vector<std::uint8_t> bytes, const char* reason) {
    CAPTURE(reason);
    CHECK_THROWS_WITH_AS(decode_image(bytes, "dir/cat/broken.jpg", image),
                         doctest::Contains("dir/cat/broken.jpg"), Error);
    CHECK_THROWS_WITH_AS(decode_image(bytes, "dir/cat/broken.jpg", image), doctest::Contains(reason),
                         Error);
  };
  fails({}, "empty file");
  fails({'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'}, "not a JPEG or PNG image (first bytes: 68 65 6c");
  fails(std::vector<std::uint8_t>(jpeg.begin(), jpeg.begin() + jpeg.size() / 2), "corrupt or truncated JPEG");
  fails(std::vector<std::uint8_t>(jpeg.begin(), jpeg.begin() + 40), "corrupt");
  fails(std::vector<std::uint8_t>(png.begin(), png.begin() + png.size() / 2), "corrupt or truncated PNG");
  std::vector<std::uint8_t> bad_crc = png;
  bad_crc[40] ^= 0x55;  // inside the IHDR/IDAT data: CRC mismatch
  fails(bad_crc, "corrupt or truncated PNG");
  // Cut inside the entropy-coded scan of a larger, noisy image: libjpeg only warns
  // ("premature end of data"); TJFLAG_STOPONWARNING makes it an error.
  std::vector<std::uint8_t> noisy(std::size_t(160) * 120 * 3);
  for (std::size_t i = 0; i < noisy.size(); ++i) noisy[i] = std::uint8_t((i * 2654435761u) >> 13);
  const std::vector<std::uint8_t> big = test::jpeg_bytes(noisy, 160, 120, JpegKind::rgb, 90);
  REQUIRE(big.size() > 4000);
  fails(std::vector<std::uint8_t>(big.begin(), big.begin() + big.size() * 9 / 10),
        "corrupt or truncated JPEG: ");
  std::vector<std::uint8_t> bad_scan = jpeg;
  for (std::size_t i = bad_scan.size() / 2; i < bad_scan.size() - 2; ++i) bad_scan[i] = 0xFF;
  CHECK_THROWS_AS(decode_image(bad_scan, "x.jpg", image), Error);
}

TEST_CASE("a JPEG header promising far more pixels than its bytes can hold is refused unallocated") {
  // The fuzzer's find: a 350-byte CMYK JPEG whose frame header says 65399 x 3331 made the
  // decoder allocate 1.5 GB. Here: a valid small JPEG with its SOF0 size patched.
  std::vector<std::uint8_t> jpeg = test::jpeg_bytes(smooth_rgb(), W, H, JpegKind::rgb, 90);
  std::size_t sof = 0;
  while (sof + 9 < jpeg.size() && !(jpeg[sof] == 0xFF && jpeg[sof + 1] == 0xC0)) ++sof;
  REQUIRE(sof + 9 < jpeg.size());
  jpeg[sof + 5] = 3331 >> 8, jpeg[sof + 6] = 3331 & 0xFF;    // height
  jpeg[sof + 7] = 65399 >> 8, jpeg[sof + 8] = 65399 & 0xFF;  // width
  DecodedImage image;
  CHECK_THROWS_WITH_AS(decode_image(jpeg, "dir/huge.jpg", image),
                       doctest::Contains("dir/huge.jpg: corrupt JPEG header: 65399x3331 pixels"),
                       Error);
  CHECK(image.rgb.capacity() == 0);
}
