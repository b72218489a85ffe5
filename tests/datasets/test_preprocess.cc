// Preprocessing: padding, bilinear resize, normalisation, channel replication, crop and flip,
// each checked against hand-computed pixels.
#include <doctest/doctest.h>

#include <map>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "datasets/preprocess.h"
#include "tests/datasets/dataset_files.h"
#include "tests/test_util.h"

using namespace tunas;
using namespace tunas::datasets;

namespace {
// A one-image set with the given pixels (HWC), mean 0 and std 1 (so outputs are pixels).
ImageSet one_image(int h, int w, int c, std::vector<std::uint8_t> pixels) {
  ImageSet set = tunas::test::indexed_image_set(1, h, w, c, 1);
  set.pixels = std::move(pixels);
  set.validate();
  return set;
}

// Runs the preprocessor on image 0 and returns the dense h x w x c result.
std::vector<float> run_one(const ImageSet& set, const PreprocessConfig& config,
                           const Augmentation& aug = {}) {
  const Preprocessor pre(set, config);
  std::vector<float> dst(std::size_t(pre.height()) * pre.width() * pre.channels(), -999.f);
  pre.run(set.image(0), aug, Tensor(dst.data(), {1, pre.height(), pre.width(), pre.channels()}), 0);
  return dst;
}
}  // namespace

TEST_CASE("pad centres the image with zeros; an odd margin goes bottom/right") {
  const ImageSet set = one_image(2, 3, 1, {1, 2, 3, 4, 5, 6});
  PreprocessConfig config;
  config.height = 5;  // rows: 1 before, 2 after
  config.width = 4;   // cols: 0 before, 1 after
  const std::vector<float> expected = {0, 0, 0, 0,  //
                                       1, 2, 3, 0,  //
                                       4, 5, 6, 0,  //
                                       0, 0, 0, 0,  //
                                       0, 0, 0, 0};
  const std::vector<float> got = run_one(set, config);
  TUNAS_CHECK_CLOSE(got.data(), expected.data(), expected.size(), 0.0, 0.0);
}

TEST_CASE("28x28 padded to 32x32 puts pixel (0,0) at (2,2)") {
  std::vector<std::uint8_t> pixels(28 * 28, 0);
  pixels[0] = 200;
  pixels[27 * 28 + 27] = 100;
  const ImageSet set = one_image(28, 28, 1, pixels);
  const PreprocessConfig config = proxy_preprocess(set, false);
  CHECK(config.height == 32);
  CHECK(config.crop_padding == 0);
  CHECK_FALSE(config.random_flip);
  const std::vector<float> got = run_one(set, config);
  CHECK(got[2 * 32 + 2] == 200.f);
  CHECK(got[29 * 32 + 29] == 100.f);
  float sum = 0.f;
  for (float v : got) sum += v;
  CHECK(sum == 300.f);
  const PreprocessConfig train = proxy_preprocess(set, true);
  CHECK(train.crop_padding == 4);
  CHECK(train.random_flip);
  // Other resolutions: 16 resizes (bilinear), 36 still pads, the crop margin follows.
  const PreprocessConfig small = proxy_preprocess(set, true, 16);
  CHECK(small.height == 16);
  CHECK(small.resize == ResizeMode::bilinear);
  CHECK(small.crop_padding == 2);
  CHECK(proxy_preprocess(set, false, 36).resize == ResizeMode::pad);
  CHECK(proxy_preprocess(set, false, 64).resize == ResizeMode::bilinear);
}

TEST_CASE("bilinear resize uses half-pixel centres and clamps at the edges") {
  SUBCASE("upscale 2x2 -> 4x4") {
    const ImageSet set = one_image(2, 2, 1, {0, 100, 200, 250});
    PreprocessConfig config;
    config.height = config.width = 4;
    config.resize = ResizeMode::bilinear;
    // Source coordinates of the 4 outputs: 0 (clamped from -0.25), 0.25, 0.75, 1 (clamped).
    const float f[4] = {0.f, 0.25f, 0.75f, 1.f};
    std::vector<float> expected;
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 4; ++x) {
        const float top = 0 + f[x] * 100, bottom = 200 + f[x] * 50;
        expected.push_back(top + f[y] * (bottom - top));
      }
    }
    CHECK(expected[1 * 4 + 2] == 115.625f);  // (y, x) = (1, 2): 75 + 0.25 * (237.5 - 75)
    const std::vector<float> got = run_one(set, config);
    TUNAS_CHECK_CLOSE(got.data(), expected.data(), expected.size(), 1e-4, 1e-6);
  }
  SUBCASE("downscale 1x4 -> 1x2 averages neighbour pairs") {
    const ImageSet set = one_image(1, 4, 1, {0, 10, 20, 40});
    PreprocessConfig config;
    config.height = 1;
    config.width = 2;
    config.resize = ResizeMode::bilinear;
    const std::vector<float> expected = {5.f, 30.f};  // source x = 0.5 and 2.5
    const std::vector<float> got = run_one(set, config);
    TUNAS_CHECK_CLOSE(got.data(), expected.data(), 2, 1e-5, 0.0);
  }
  SUBCASE("same size is the identity") {
    const ImageSet set = one_image(2, 2, 1, {3, 1, 4, 1});
    PreprocessConfig config;
    config.resize = ResizeMode::bilinear;
    const std::vector<float> expected = {3, 1, 4, 1};
    const std::vector<float> got = run_one(set, config);
    TUNAS_CHECK_CLOSE(got.data(), expected.data(), 4, 0.0, 0.0);
  }
}

TEST_CASE("normalisation and grey-to-RGB replication") {
  const ImageSet set = one_image(1, 2, 1, {100, 0});
  PreprocessConfig config;
  config.width = 4;  // one zero pad column each side
  config.channels = 3;
  SUBCASE("one mean/std replicated to three channels") {
    config.mean = {50.f};
    config.std = {4.f};
    const std::vector<float> got = run_one(set, config);
    const float pad = -12.5f, a = 12.5f, b = -12.5f;
    const std::vector<float> expected = {pad, pad, pad, a, a, a, b, b, b, pad, pad, pad};
    TUNAS_CHECK_CLOSE(got.data(), expected.data(), expected.size(), 1e-6, 1e-6);
  }
  SUBCASE("per output channel constants") {
    config.mean = {0.f, 50.f, 100.f};
    config.std = {1.f, 2.f, 4.f};
    const std::vector<float> got = run_one(set, config);
    const std::vector<float> expected = {0, -25, -25, 100, 25, 0, 0, -25, -25, 0, -25, -25};
    TUNAS_CHECK_CLOSE(got.data(), expected.data(), expected.size(), 1e-6, 1e-6);
  }
  SUBCASE("defaults come from the set") {
    ImageSet with_norm = set;
    with_norm.norm_mean = {20.f};
    with_norm.norm_std = {8.f};
    config.channels = 0;
    config.width = 0;
    const std::vector<float> got = run_one(with_norm, config);
    const std::vector<float> expected = {10.f, -2.5f};
    TUNAS_CHECK_CLOSE(got.data(), expected.data(), 2, 1e-6, 1e-6);
  }
}

TEST_CASE("crop and flip on a tiny known image") {
  const ImageSet set = one_image(3, 3, 1, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  PreprocessConfig config;
  config.crop_padding = 1;
  config.random_flip = true;
  struct Case {
    Augmentation aug;
    std::vector<float> expected;
  };
  const Case cases[] = {
      {{0, 0, false}, {1, 2, 3, 4, 5, 6, 7, 8, 9}},
      {{0, 0, true}, {3, 2, 1, 6, 5, 4, 9, 8, 7}},
      {{1, -1, false}, {0, 4, 5, 0, 7, 8, 0, 0, 0}},   // dst(y,x) = R(y+1, x-1)
      {{-1, 1, true}, {0, 0, 0, 0, 3, 2, 0, 6, 5}},    // dst(y,x) = R(y-1, 3-x)
      {{-1, -1, false}, {0, 0, 0, 0, 1, 2, 0, 4, 5}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.aug.dy);
    CAPTURE(c.aug.dx);
    CAPTURE(c.aug.flip);
    const std::vector<float> got = run_one(set, config, c.aug);
    TUNAS_CHECK_CLOSE(got.data(), c.expected.data(), 9, 0.0, 0.0);
  }
}

TEST_CASE("run writes only the channel extent when the pixel stride is larger") {
  const ImageSet set = one_image(2, 2, 1, {10, 20, 30, 40});
  PreprocessConfig config;
  config.channels = 3;
  const Preprocessor pre(set, config);
  constexpr int kStride = 5;
  std::vector<float> buffer(2 * 2 * 2 * kStride, -7.f);  // two images, pixel stride 5
  const Tensor dst(buffer.data(), {2, 2, 2, 3}, kStride);
  pre.run(set.image(0), {}, dst, 1);
  for (int p = 0; p < 4; ++p) {
    for (int c = 0; c < kStride; ++c) {
      const float v = buffer[(4 + p) * kStride + c];
      CHECK(v == (c < 3 ? 10.f * (p + 1) : -7.f));
      CHECK(buffer[p * kStride + c] == -7.f);  // image 0 untouched
    }
  }
}

TEST_CASE("sample draws every crop offset and both flips, and nothing when disabled") {
  const ImageSet set = one_image(3, 3, 1, std::vector<std::uint8_t>(9, 0));
  PreprocessConfig config;
  config.crop_padding = 1;
  config.random_flip = true;
  const Preprocessor pre(set, config);
  Rng rng = tunas::test::make_rng("preprocess sample");
  std::map<std::tuple<int, int, bool>, int> seen;
  for (int i = 0; i < 2000; ++i) {
    const Augmentation a = pre.sample(rng);
    CHECK(a.dy >= -1);
    CHECK(a.dy <= 1);
    CHECK(a.dx >= -1);
    CHECK(a.dx <= 1);
    seen[{a.dy, a.dx, a.flip}]++;
  }
  CHECK(seen.size() == 18);
  for (const auto& [key, count] : seen) CHECK(count > 40);  // ~111 expected each

  const Preprocessor plain(set, PreprocessConfig{});
  CHECK_FALSE(plain.augments());
  const std::uint64_t before = rng.position();
  const Augmentation a = plain.sample(rng);
  CHECK(a.dy == 0);
  CHECK(a.dx == 0);
  CHECK_FALSE(a.flip);
  CHECK(rng.position() == before);
}

TEST_CASE("invalid preprocessing configurations are rejected with a reason") {
  const ImageSet set = one_image(4, 4, 1, std::vector<std::uint8_t>(16, 0));
  PreprocessConfig config;
  SUBCASE("pad to smaller") {
    config.height = 3;
    CHECK_THROWS_WITH_AS(Preprocessor(set, config), doctest::Contains("cannot pad 4x4 images to the smaller 3x4"), Error);
  }
  SUBCASE("negative size") {
    config.width = -2;
    CHECK_THROWS_WITH_AS(Preprocessor(set, config), doctest::Contains("must be positive"), Error);
  }
  SUBCASE("channels") {
    config.channels = 2;
    CHECK_THROWS_WITH_AS(Preprocessor(set, config), doctest::Contains("cannot make 2 channels from 1"), Error);
  }
  SUBCASE("mean length") {
    config.channels = 3;
    config.mean = {1.f, 2.f};
    CHECK_THROWS_WITH_AS(Preprocessor(set, config), doctest::Contains("mean has 2 values, expected 1 or 3"), Error);
  }
  SUBCASE("std not positive") {
    config.std = {0.f};
    CHECK_THROWS_WITH_AS(Preprocessor(set, config), doctest::Contains("std 0 must be positive"), Error);
  }
  SUBCASE("negative crop padding") {
    config.crop_padding = -1;
    CHECK_THROWS_WITH_AS(Preprocessor(set, config), doctest::Contains("crop_padding -1"), Error);
  }
  CHECK_THROWS_WITH_AS(Preprocessor(set, config), doctest::Contains("preprocessing of 'indexed'"), Error);
}
