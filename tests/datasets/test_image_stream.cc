// Streaming on-disk sets through BatchIterator: labels belong to their pixels, epochs, bitwise
// determinism across thread counts and prefetching, resume, evaluation batches, unreadable
// images (error or counted skip), mixed stored formats, tiny images, and the statistics of the
// Inception crop.
#include <doctest/doctest.h>
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/threads.h"
#include "datasets/batch_iterator.h"
#include "datasets/image_folder.h"
#include "datasets/image_stream.h"
#include "datasets/inception_preprocess.h"
#include "tests/datasets/dataset_files.h"
#include "tests/datasets/image_writers.h"

using namespace tunas;
using namespace tunas::datasets;

namespace {

constexpr int kRes = 24;

BatchIteratorConfig config_for(const char* purpose, bool training, std::uint64_t seed = 3) {
  BatchIteratorConfig c;
  c.seed = seed;
  c.purpose = purpose;
  c.augment = training;
  c.shuffle = training;
  c.cross_epochs = training;
  return c;
}

struct Batch {
  std::vector<float> pixels;
  std::vector<std::int32_t> labels;
};

Batch next_batch(BatchIterator& it, int n) {
  Batch b;
  b.pixels.assign(std::size_t(n) * kRes * kRes * 3, -1000.f);
  b.labels.assign(std::size_t(n), -1);
  const Tensor dst(b.pixels.data(), Shape4{n, kRes, kRes, 3});
  const int k = it.next(dst, b.labels.data());
  b.labels.resize(std::size_t(k));
  b.pixels.resize(std::size_t(k) * kRes * kRes * 3);
  return b;
}

// Undoes the ImageNet normalisation of channel c.
float pixel_value(float normalised, int c) { return normalised * kImageNetStd[c] + kImageNetMean[c]; }

// The class whose colour slot k shows (solid-colour images), or -1 when not solid.
int class_in_slot(const Batch& b, int k) {
  const std::size_t image = std::size_t(kRes) * kRes * 3;
  const float r = pixel_value(b.pixels[k * image], 0);
  for (std::size_t p = 0; p < std::size_t(kRes) * kRes; ++p)
    for (int c = 0; c < 3; ++c)
      if (std::fabs(pixel_value(b.pixels[k * image + 3 * p + c], c) -
                    pixel_value(b.pixels[k * image + c], c)) > 4.f)
        return -1;
  return int(std::lround((r - 20.f) / 40.f));
}

// A folder of textured (not solid) images, so that crops and flips change the pixels.
void write_textured_folder(const std::string& train_dir, int per_class) {
  for (int label = 0; label < 3; ++label) {
    for (int k = 0; k < per_class; ++k) {
      const int w = 30 + 9 * k + 4 * label, h = 26 + 5 * k;
      std::vector<std::uint8_t> rgb;
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          for (int c = 0; c < 3; ++c)
            rgb.push_back(std::uint8_t((x * (c + 1) * 7 + y * y * 3 + 50 * label + 13 * k) % 256));
      const std::string stem = str_cat(train_dir, "/class", label, "/img", k);
      if (k % 2) test::write_bytes(stem + ".jpg", test::jpeg_bytes(rgb, w, h, test::JpegKind::rgb, 90));
      else test::write_bytes(stem + ".png", test::png_bytes({rgb.begin(), rgb.end()}, w, h, PNG_COLOR_TYPE_RGB, 8));
    }
  }
}

// The message of the tunas::Error that f throws ("" when it does not throw).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

PreprocessConfig photo(bool training) {
  PreprocessConfig pc;
  pc.height = pc.width = kRes;
  pc.random_resized_crop = training;
  pc.random_flip = training;
  return pc;
}

}  // namespace

TEST_CASE("stream: labels belong to their pixels; every epoch visits every image once") {
  test::TempDir dir;
  test::write_colour_folder(dir.file("train"), {"c0", "c1", "c2", "c3"}, {3, 2, 4, 3});
  const ImageSet set = load_image_folder(dir.path()).train;
  BatchIterator it(set, photo(true), config_for("t/train", true));
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<std::int32_t> seen;
    for (int b = 0; b < 3; ++b) {
      const Batch batch = next_batch(it, 4);
      for (int k = 0; k < 4; ++k) CHECK(class_in_slot(batch, k) == batch.labels[k]);
      seen.insert(seen.end(), batch.labels.begin(), batch.labels.end());
    }
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<std::int32_t>{0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3});
  }
  CHECK(it.state().epoch == 3);
  CHECK(it.stream()->skipped() == 0);
  CHECK(it.stream()->batches_prefetched() > 0);
}

TEST_CASE("stream: bitwise the same with 1 or 2 threads and with or without prefetching") {
  test::TempDir dir;
  write_textured_folder(dir.file("train"), 4);
  const ImageSet set = load_image_folder(dir.path()).train;
  auto run = [&](int threads, bool prefetch) {
    set_num_threads(threads);
    BatchIterator it(set, photo(true), config_for("t/train", true, 11));
    std::vector<Batch> out;
    for (int b = 0; b < 7; ++b) {
      if (!prefetch) it.restore(it.state());  // drops the queue: decoded on this thread
      out.push_back(next_batch(it, 5));
    }
    return out;
  };
  const std::vector<Batch> reference = run(1, true);
  for (auto [threads, prefetch] : {std::pair{2, true}, std::pair{1, false}, std::pair{2, false}}) {
    CAPTURE(threads);
    CAPTURE(prefetch);
    const std::vector<Batch> other = run(threads, prefetch);
    for (std::size_t b = 0; b < reference.size(); ++b) {
      CHECK(other[b].labels == reference[b].labels);
      CHECK(std::memcmp(other[b].pixels.data(), reference[b].pixels.data(),
                        reference[b].pixels.size() * sizeof(float)) == 0);
    }
  }
  set_num_threads(0);
  // Augmentation is on: two epochs of the same image differ, and another seed differs.
  BatchIterator other_seed(set, photo(true), config_for("t/train", true, 12));
  CHECK(next_batch(other_seed, 5).pixels != reference[0].pixels);
}

TEST_CASE("stream: images do not depend on how the stream is cut into batches") {
  test::TempDir dir;
  write_textured_folder(dir.file("train"), 4);
  const ImageSet set = load_image_folder(dir.path()).train;
  BatchIterator whole(set, photo(true), config_for("t/train", true));
  const Batch all = next_batch(whole, 12);
  BatchIterator cut(set, photo(true), config_for("t/train", true));
  std::vector<float> pixels;
  std::vector<std::int32_t> labels;
  for (int n : {5, 3, 4}) {  // every change of batch size restarts the prefetcher
    const Batch b = next_batch(cut, n);
    pixels.insert(pixels.end(), b.pixels.begin(), b.pixels.end());
    labels.insert(labels.end(), b.labels.begin(), b.labels.end());
  }
  CHECK(labels == all.labels);
  CHECK(pixels == all.pixels);
}

TEST_CASE("stream: a restored iterator continues on the same images") {
  test::TempDir dir;
  write_textured_folder(dir.file("train"), 3);
  const ImageSet set = load_image_folder(dir.path()).train;
  BatchIterator it(set, photo(true), config_for("t/train", true));
  for (int b = 0; b < 3; ++b) next_batch(it, 4);
  const auto saved = it.state().to_bytes();
  std::vector<Batch> expected;
  for (int b = 0; b < 3; ++b) expected.push_back(next_batch(it, 4));
  BatchIterator resumed(set, photo(true), config_for("t/train", true));
  resumed.restore(BatchIteratorState::from_bytes(saved));
  CHECK(resumed.state().epoch == 1);
  CHECK(resumed.state().position == 3);
  for (int b = 0; b < 3; ++b) {
    const Batch got = next_batch(resumed, 4);
    CHECK(got.labels == expected[b].labels);
    CHECK(got.pixels == expected[b].pixels);
  }
}

TEST_CASE("stream: evaluation batches stop at the epoch end, in stored order, central crop") {
  test::TempDir dir;
  test::write_colour_folder(dir.file("train"), {"a", "b"}, {5, 7});
  const ImageSet set = load_image_folder(dir.path()).train;
  BatchIterator it(set, photo(false), config_for("t/eval", false));
  std::vector<std::int32_t> labels;
  std::vector<int> counts;
  for (int b = 0; b < 3; ++b) {
    const Batch batch = next_batch(it, 5);
    counts.push_back(int(batch.labels.size()));
    for (std::size_t k = 0; k < batch.labels.size(); ++k) CHECK(class_in_slot(batch, int(k)) == batch.labels[k]);
    labels.insert(labels.end(), batch.labels.begin(), batch.labels.end());
  }
  CHECK(counts == std::vector<int>{5, 5, 2});
  CHECK(labels == set.labels);
}

TEST_CASE("stream: unreadable images are an error naming the file, or a counted skip") {
  test::TempDir dir;
  test::write_colour_folder(dir.file("train"), {"a", "b"}, {4, 4});
  // A truncated JPEG in class a, a text file named .png in class b, a dangling link in b.
  const std::string truncated = dir.file("train/a/img0.jpg");
  std::vector<std::uint8_t> bytes = test::jpeg_bytes(test::class_colour_image(0, 30, 30), 30, 30,
                                                     test::JpegKind::rgb);
  bytes.resize(bytes.size() / 2);
  test::write_bytes(truncated, bytes);
  test::write_bytes(dir.file("train/b/zz_text.png"), {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'g'});
  std::filesystem::create_symlink(dir.file("train/b/missing_target.jpg"), dir.file("train/b/zz_link.jpg"));

  SUBCASE("error mode") {
    Dataset data = load_image_folder(dir.path(), {0, false});
    BatchIterator it(data.train, photo(false), config_for("t/eval", false));
    const std::string first = error_of([&] { next_batch(it, 5); });
    CHECK(first.find(truncated) != std::string::npos);
    CHECK(first.find("corrupt or truncated JPEG") != std::string::npos);
    BatchIterator rest(data.train, photo(false), config_for("t/eval", false));
    BatchIteratorState at;
    at.seed = 3;
    at.position = 5;
    at.dataset_size = std::uint64_t(data.train.size());
    rest.restore(at);  // images 5..9: b/img1, b/img2, b/img3, b/zz_link, b/zz_text
    const std::string link = error_of([&] { next_batch(rest, 5); });
    CHECK(link.find(dir.file("train/b/zz_link.jpg") + ": cannot open") != std::string::npos);
  }
  SUBCASE("skip mode: replaced within the batch, labels follow the pixels, counted") {
    Dataset data = load_image_folder(dir.path(), {0, true});
    CHECK(data.train.size() == 10);
    BatchIterator it(data.train, photo(true), config_for("t/train", true));
    for (int b = 0; b < 4; ++b) {  // 2 epochs of 10 images
      const Batch batch = next_batch(it, 5);
      for (int k = 0; k < 5; ++k) CHECK(class_in_slot(batch, k) == batch.labels[k]);
    }
    CHECK(it.stream()->skipped() == 6);  // 3 bad files, twice
  }
  SUBCASE("a batch with no readable image is an error") {
    Dataset data = load_image_folder(dir.path(), {0, true});
    BatchIterator it(data.train, photo(false), config_for("t/eval", false));
    BatchIteratorState at;
    at.seed = 3;
    at.position = 8;
    at.dataset_size = 10;
    it.restore(at);  // the last two: the dangling link and the text file
    CHECK(error_of([&] { next_batch(it, 5); }).find("no image of a batch of 2 could be read") !=
          std::string::npos);
  }
}

TEST_CASE("stream: grey, CMYK, palette, 16-bit and RGBA files mix in one set") {
  test::TempDir dir;
  const int w = 17, h = 13;
  const auto colour = test::class_colour_image;
  // class 0: RGB JPEG; 1: grey JPEG (grey value = R); 2: CMYK JPEG (C*K/255 with K = 255);
  // 3: palette PNG; 4: 16-bit RGB PNG; 5: RGBA PNG.
  test::write_bytes(dir.file("train/c0/a.jpg"), test::jpeg_bytes(colour(0, w, h), w, h, test::JpegKind::rgb));
  std::vector<std::uint8_t> grey(std::size_t(w) * h, test::class_colour(1, 0));
  test::write_bytes(dir.file("train/c1/a.jpg"), test::jpeg_bytes(grey, w, h, test::JpegKind::grey));
  std::vector<std::uint8_t> cmyk;
  for (int p = 0; p < w * h; ++p)
    for (int c = 0; c < 4; ++c) cmyk.push_back(c < 3 ? test::class_colour(2, c) : 255);
  test::write_bytes(dir.file("train/c2/a.jpg"), test::jpeg_bytes(cmyk, w, h, test::JpegKind::cmyk));
  const std::vector<std::uint8_t> palette = {0, 0, 0, test::class_colour(3, 0), test::class_colour(3, 1),
                                             test::class_colour(3, 2)};
  test::write_bytes(dir.file("train/c3/a.png"),
                    test::png_bytes(std::vector<std::uint16_t>(std::size_t(w) * h, 1), w, h,
                                    PNG_COLOR_TYPE_PALETTE, 8, false, palette));
  std::vector<std::uint16_t> wide, rgba;
  for (int p = 0; p < w * h; ++p) {
    for (int c = 0; c < 3; ++c) {
      wide.push_back(std::uint16_t(test::class_colour(4, c) * 257));
      rgba.push_back(test::class_colour(5, c));
    }
    rgba.push_back(std::uint16_t(p % 256));
  }
  test::write_bytes(dir.file("train/c4/a.png"), test::png_bytes(wide, w, h, PNG_COLOR_TYPE_RGB, 16));
  test::write_bytes(dir.file("train/c5/a.png"), test::png_bytes(rgba, w, h, PNG_COLOR_TYPE_RGB_ALPHA, 8));
  const ImageSet set = load_image_folder(dir.path()).train;
  BatchIterator it(set, photo(false), config_for("t/eval", false));
  const Batch batch = next_batch(it, 6);
  REQUIRE(batch.labels == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5});
  const std::size_t image = std::size_t(kRes) * kRes * 3;
  for (int k = 0; k < 6; ++k) {
    CAPTURE(k);
    for (int c = 0; c < 3; ++c) {
      const float expected = k == 1 ? test::class_colour(1, 0) : test::class_colour(k, c);
      CHECK(std::fabs(pixel_value(batch.pixels[k * image + 3 * (kRes * 5 + 7) + c], c) - expected) <= 3.f);
    }
  }
}

TEST_CASE("stream: images smaller than the crop are upsampled, never refused") {
  test::TempDir dir;
  for (auto [w, h] : {std::pair{1, 1}, std::pair{1, 300}, std::pair{300, 1}, std::pair{3, 2}}) {
    const std::vector<std::uint8_t> rgb = test::class_colour_image(0, w, h);
    test::write_bytes(dir.file(str_cat("train/a/", w, "x", h, ".png")),
                      test::png_bytes({rgb.begin(), rgb.end()}, w, h, PNG_COLOR_TYPE_RGB, 8));
  }
  const ImageSet set = load_image_folder(dir.path()).train;
  for (bool training : {false, true}) {
    BatchIterator it(set, photo(training), config_for("t/small", training));
    const Batch batch = next_batch(it, 4);
    for (int k = 0; k < 4; ++k) CHECK(class_in_slot(batch, k) == 0);
    for (float v : batch.pixels) CHECK(std::isfinite(v));
  }
}

TEST_CASE("Inception crop statistics and the spec's central crop") {
  ImageSet meta;
  meta.name = "meta";
  meta.norm_mean = {0, 0, 0};
  meta.norm_std = {1, 1, 1};
  PreprocessConfig pc = photo(true);
  pc.height = pc.width = 224;
  const InceptionPreprocessor pre(meta, pc);
  // Spec §6.1: side int(224/256 * min(H, W)), offset ((H - side + 1) / 2, (W - side + 1) / 2).
  CHECK(pre.central_crop(300, 400) == CropBox{69, 19, 262, 262});
  CHECK(pre.central_crop(375, 500) == CropBox{86, 24, 328, 328});
  CHECK(pre.central_crop(1, 5) == CropBox{2, 0, 1, 1});

  const int H = 300, W = 400, draws = 20000;
  double area_sum = 0, flips = 0, x_position = 0, central = 0;
  double area_min = 1, area_max = 0, aspect_min = 10, aspect_max = 0;
  int x_draws = 0;
  for (int i = 0; i < draws; ++i) {
    Rng rng(5, std::uint64_t(i));
    const PhotoAugmentation aug = pre.sample(H, W, rng);
    const CropBox& b = aug.crop;
    REQUIRE(b.x >= 0);
    REQUIRE(b.y >= 0);
    REQUIRE(b.x + b.width <= W);
    REQUIRE(b.y + b.height <= H);
    flips += aug.flip;
    if (b == pre.central_crop(H, W)) {
      ++central;
      continue;
    }
    const double area = double(b.width) * b.height / (double(H) * W);
    const double aspect = double(b.width) / b.height;
    area_sum += area;
    area_min = std::min(area_min, area);
    area_max = std::max(area_max, area);
    aspect_min = std::min(aspect_min, aspect);
    aspect_max = std::max(aspect_max, aspect);
    if (b.width < W) {
      x_position += double(b.x) / (W - b.width);
      ++x_draws;
    }
  }
  const double random = draws - central;
  CHECK(flips / draws == doctest::Approx(0.5).epsilon(0.03));
  CHECK(area_min >= 0.1);                    // at least 10 % of the image covered
  CHECK(area_min < 0.105);
  CHECK(area_max <= 1.0);
  CHECK(area_max > 0.95);
  CHECK(aspect_min >= 0.74);                 // 3/4 up to rounding of w and h
  CHECK(aspect_min < 0.76);
  CHECK(aspect_max <= 1.34);
  CHECK(aspect_max > 1.32);
  CHECK(x_position / x_draws == doctest::Approx(0.5).epsilon(0.03));  // uniform offsets
  // Area ~ U[0.08, 1] conditioned on fitting and covering >= 10 %: the mean lies a little
  // below (0.1 + 1) / 2 = 0.55 because large crops with extreme aspect ratios do not fit.
  CHECK(area_sum / random > 0.45);
  CHECK(area_sum / random < 0.55);
  // Every try fails only when 10 tries all draw too-large crops: rare, but it happens.
  CHECK(central / draws < 0.02);
}
