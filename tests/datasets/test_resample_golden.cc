// datasets::resample against Pillow: tests/golden/resample_golden.txt holds Pillow's bilinear
// and bicubic resizes (mode "F", with crop boxes) of a fixed random image, written by the
// dev-only tests/golden/make_golden_resample.py.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "datasets/resample.h"

using namespace tunas::datasets;

TEST_CASE("resample: bilinear and bicubic match Pillow's, with crop boxes") {
  const std::string path = std::string(TUNAS_SOURCE_DIR) + "/tests/golden/resample_golden.txt";
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read ", path);
  std::string line, word;
  std::getline(in, line);  // provenance comment
  int h = 0, w = 0, c = 0;
  in >> word >> h >> w >> c;
  REQUIRE(word == "image");
  std::vector<std::uint8_t> image(std::size_t(h) * w * c);
  for (auto& v : image) {
    int x = 0;
    in >> x;
    v = std::uint8_t(x);
  }
  int cases = 0;
  std::vector<float> scratch;
  while (in >> word) {
    REQUIRE(word == "case");
    std::string filter;
    ResampleBox box;
    int out_w = 0, out_h = 0;
    in >> filter >> box.x0 >> box.y0 >> box.x1 >> box.y1 >> out_w >> out_h;
    CAPTURE(filter);
    CAPTURE(box.x0);
    CAPTURE(box.x1);
    CAPTURE(out_w);
    CAPTURE(out_h);
    std::vector<double> expected(std::size_t(out_h) * out_w * c);
    for (auto& v : expected) in >> v;
    std::vector<float> got(expected.size(), NAN);
    resample(image.data(), h, w, c, box, out_h, out_w, parse_resize_filter(filter, path), got.data(),
             scratch);
    double worst = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) worst = std::max(worst, std::fabs(got[i] - expected[i]));
    CHECK(worst <= 2e-3);  // float accumulation vs Pillow's double, on values up to 255
    ++cases;
  }
  CHECK(cases == 16);
}

TEST_CASE("resample taps: identity at scale 1, weights sum to 1, antialiasing widens taps") {
  for (ResizeFilter f : {ResizeFilter::bilinear, ResizeFilter::bicubic}) {
    const ResampleTaps same = resample_taps(10, 0, 10, 10, f);
    for (int o = 0; o < 10; ++o) {
      float at_o = 0, elsewhere = 0;
      for (int k = 0; k < same.count[o]; ++k) {
        const float wk = same.weights[std::size_t(o) * same.max_count + k];
        (same.first[o] + k == o ? at_o : elsewhere) += std::fabs(wk);
      }
      CHECK(at_o == doctest::Approx(1.0));
      CHECK(elsewhere == doctest::Approx(0.0));
    }
    const ResampleTaps shrink = resample_taps(100, 0, 100, 10, f);
    for (int o = 0; o < 10; ++o) {
      double sum = 0;
      for (int k = 0; k < shrink.count[o]; ++k) sum += shrink.weights[std::size_t(o) * shrink.max_count + k];
      CHECK(sum == doctest::Approx(1.0));
      if (o >= 2 && o < 8)  // away from the clipped edges: support 2 (1) stretched x10
        CHECK(shrink.count[o] >= (f == ResizeFilter::bicubic ? 39 : 19));
    }
  }
}
