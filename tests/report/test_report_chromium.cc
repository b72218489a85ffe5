// report.html as a person sees it: headless Chromium renders it to a PNG, which must show the
// page's parts (curves, heat strips, architecture boxes, the target line) in their colours.
// Skips with a message when Chromium is not installed.
#include <doctest/doctest.h>
#include <png.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "report/html_report.h"
#include "search/search_run.h"
#include "tests/common/tiny_runs.h"

namespace fs = std::filesystem;

namespace {

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    if (std::system(tunas::str_cat("command -v ", name, " > /dev/null 2>&1").c_str()) == 0) return name;
  }
  return "";
}

struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;  // row-major, 3 bytes per pixel
};

Image read_png(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  REQUIRE_MESSAGE(png_image_begin_read_from_file(&image, path.c_str()) != 0, path, ": ", image.message);
  image.format = PNG_FORMAT_RGB;
  Image out;
  out.width = int(image.width);
  out.height = int(image.height);
  out.rgb.resize(PNG_IMAGE_SIZE(image));
  REQUIRE(png_image_finish_read(&image, nullptr, out.rgb.data(), 0, nullptr) != 0);
  return out;
}

// Pixels within +-6 per channel of (r, g, b).
int pixels_near(const Image& im, int r, int g, int b) {
  int n = 0;
  for (std::size_t i = 0; i + 2 < im.rgb.size(); i += 3)
    n += std::abs(im.rgb[i] - r) <= 6 && std::abs(im.rgb[i + 1] - g) <= 6 && std::abs(im.rgb[i + 2] - b) <= 6;
  return n;
}

// Pixels on the heat strips' ramp from white to rgb(8, 48, 107), white itself excluded.
int heat_ramp_pixels(const Image& im) {
  int n = 0;
  for (std::size_t i = 0; i + 2 < im.rgb.size(); i += 3) {
    const double t = (255.0 - im.rgb[i]) / (255.0 - 8.0);
    if (t < 0.1 || t > 1.01) continue;  // near-white greys (chart backgrounds) are not the ramp
    n += std::abs(255 + t * (48 - 255) - im.rgb[i + 1]) <= 3 && std::abs(255 + t * (107 - 255) - im.rgb[i + 2]) <= 3;
  }
  return n;
}

}  // namespace

TEST_CASE("report.html renders in headless Chromium") {
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    MESSAGE("skipped: chromium is not installed (scripts/install_deps.sh installs it)");
    return;
  }
  const fs::path dir = fs::temp_directory_path() / "tunas_report_chromium";
  fs::remove_all(dir);
  tunas::search::SearchConfig c = tunas::test::tiny_search_config(dir.string());
  c.steps = 40;
  c.checkpoint_every = 40;
  c.policy_lr = 0.1;
  c.seed = 0;
  tunas::search::SearchRun(c).run();
  const std::string html = tunas::report::write_report(dir.string());
  const std::string png = (dir / "report.png").string();
  const std::string command =
      tunas::str_cat("timeout 120 ", chromium, " --headless --no-sandbox --disable-gpu --hide-scrollbars",
                     " --force-device-scale-factor=1 --window-size=1300,2200 --screenshot=", png, " file://", html,
                     " > ", (dir / "chromium.log").string(), " 2>&1");
  REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "chromium failed; see ", (dir / "chromium.log").string());
  const Image im = read_png(png);
  CHECK(im.width == 1300);
  CHECK(im.height == 2200);
  const int total = im.width * im.height;
  const int white = pixels_near(im, 255, 255, 255);
  MESSAGE("non-white pixels: ", total - white, " of ", total);
  CHECK(total - white > total / 50);              // not blank
  CHECK(pixels_near(im, 0xf2, 0x8e, 0x2b) > 2000);  // bottleneck boxes of the architecture
  CHECK(pixels_near(im, 0xb0, 0x7a, 0xa1) > 2000);  // the classifier box
  CHECK(pixels_near(im, 0x8c, 0x56, 0x4b) > 100);   // the policy-entropy curve
  CHECK(pixels_near(im, 0xd6, 0x27, 0x28) > 100);   // target line and policy learning rate
  CHECK(heat_ramp_pixels(im) > 5000);               // the heat strips
}
