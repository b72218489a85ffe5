// Data benchmark (224x224 ImageNet path): decoded + augmented images per second of the
// streaming BatchIterator over an image folder, and the fraction of a 224 supernet step spent
// waiting for data.
//
//   tunas_bench_image_data --make-folder DIR [--images N]   writes a photo-like JPEG folder
//   tunas_bench_image_data --dir DIR [--batches N] [--step-batch B] [--steps S] [--json FILE]
//
// --make-folder: N (default 512) JPEGs in DIR/train/class_00..07, sizes around ImageNet's mean
// (400-500 x 300-375, 4:2:0, quality 90), smooth random colour fields with noise, so that
// decoding costs what it costs on photographs. Deterministic.
// Throughput: training preprocessing (Inception crop, flip, bicubic 224, normalise), batches
// of 64, with 1 and 2 threads; the first 2 batches (synchronous start, warm-up) are not timed.
// Reports wall images/s and process CPU ms per image (all threads; robust on a busy machine).
// Wait fraction: proxylessnas_search at 224x224x3, 1001 classes, batch B (default 16), random
// single-path masks; each step = next() + train_replica + RMSProp; the fraction is
// (time inside next()) / (step time), after one untimed step.
// Correctness check before timing: every label is in range and every pixel finite.
#include <sys/resource.h>
#include <turbojpeg.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "run/option_table.h"
#include "core/memory.h"
#include "core/rng.h"
#include "core/threads.h"
#include "datasets/batch_iterator.h"
#include "datasets/image_folder.h"
#include "datasets/image_stream.h"
#include "kernels/optim/optim.h"
#include "search_spaces/catalog.h"
#include "search_spaces/space.h"
#include "supernet/supernet.h"

namespace tunas {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void make_folder(const std::string& dir, int images) {
  tjhandle tj = tjInitCompress();
  for (int i = 0; i < images; ++i) {
    Rng rng(2026, std::uint64_t(i));
    const int w = 400 + int(rng.uniform_int(101)), h = 300 + int(rng.uniform_int(76));
    // A few random colour blobs plus noise: JPEG sizes like photographs (~60-120 KB).
    std::vector<std::uint8_t> rgb(std::size_t(w) * h * 3);
    float cx[4], cy[4], col[4][3];
    for (int b = 0; b < 4; ++b) {
      cx[b] = rng.uniform() * w;
      cy[b] = rng.uniform() * h;
      for (int c = 0; c < 3; ++c) col[b][c] = rng.uniform() * 255.f;
    }
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) {
          float v = 0, wsum = 0;
          for (int b = 0; b < 4; ++b) {
            const float d2 = (x - cx[b]) * (x - cx[b]) + (y - cy[b]) * (y - cy[b]);
            const float wb = 1.f / (1.f + d2 / 4000.f);
            v += wb * col[b][c];
            wsum += wb;
          }
          v = v / wsum + float(rng.normal()) * 12.f;
          rgb[(std::size_t(y) * w + x) * 3 + c] = std::uint8_t(std::clamp(v, 0.f, 255.f));
        }
    unsigned char* jpeg = nullptr;
    unsigned long size = 0;
    TUNAS_REQUIRE(tjCompress2(tj, rgb.data(), w, w * 3, h, TJPF_RGB, &jpeg, &size, TJSAMP_420, 90, 0) == 0,
                  "tjCompress2: ", tjGetErrorStr2(tj));
    char name[64];
    std::snprintf(name, sizeof name, "/train/class_%02d/img_%05d.jpg", i % 8, i);
    const std::filesystem::path path = dir + name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(jpeg), std::streamsize(size));
    tjFree(jpeg);
  }
  tjDestroy(tj);
  std::printf("wrote %d JPEGs under %s/train\n", images, dir.c_str());
}

datasets::PreprocessConfig training_224() {
  datasets::PreprocessConfig pc;
  pc.height = pc.width = 224;
  pc.random_resized_crop = true;
  pc.random_flip = true;
  return pc;
}

// CPU seconds of the whole process (all threads) so far: robust where wall time is not (a
// shared, overloaded machine).
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct Throughput {
  double images_per_second = 0, cpu_ms_per_image = 0;
};

Throughput images_per_second(const datasets::ImageSet& set, int threads, int batches) {
  set_num_threads(threads);
  datasets::BatchIteratorConfig ic;
  ic.seed = 1;
  ic.purpose = "bench/train";
  datasets::BatchIterator it(set, training_224(), ic);
  const int n = 64;
  AlignedPtr<float> pixels = aligned_array<float>(std::size_t(n) * 224 * 224 * 3);
  std::vector<std::int32_t> labels(n);
  const Tensor dst(pixels.get(), Shape4{n, 224, 224, 3});
  for (int b = 0; b < 2; ++b) it.next(dst, labels.data());  // start-up, not timed
  for (int k = 0; k < n; ++k) TUNAS_CHECK(labels[k] >= 0 && labels[k] < set.num_classes);
  for (std::size_t i = 0; i < std::size_t(n) * 224 * 224 * 3; ++i) TUNAS_CHECK(std::isfinite(pixels[i]));
  const double cpu0 = process_cpu_seconds();
  const auto t0 = Clock::now();
  for (int b = 0; b < batches; ++b) it.next(dst, labels.data());
  const double wall = seconds_since(t0);
  // The queue may hold up to kDefaultPrefetchBatches decoded batches at t0: the wall figure is
  // high by at most 2/batches (12 % at the default 16). CPU per image has no such bias.
  return {double(batches) * n / wall, 1e3 * (process_cpu_seconds() - cpu0) / (double(batches) * n)};
}

struct WaitResult {
  double step_seconds = 0, wait_seconds = 0;
};

WaitResult wait_fraction(const datasets::ImageSet& set, int threads, int batch, int steps) {
  set_num_threads(threads);
  spaces::Space space = spaces::load_space("proxylessnas_search");
  spaces::configure_data_network(space, 224, 3, 1001, 1.0, 0);
  supernet::SupernetConfig nc;
  nc.max_batch = batch;
  supernet::Supernet net(space, nc);
  auto& params = net.params();
  AlignedPtr<float> ms = aligned_array<float>(std::size_t(params.size()));
  AlignedPtr<float> mom = aligned_array<float>(std::size_t(params.size()));
  std::fill_n(ms.get(), params.size(), kernels::kRmsPropInitialMeanSquare);
  std::fill_n(mom.get(), params.size(), 0.f);
  datasets::BatchIteratorConfig ic;
  ic.seed = 1;
  ic.purpose = "bench/train";
  datasets::BatchIterator it(set, training_224(), ic);
  AlignedPtr<float> pixels = aligned_array<float>(std::size_t(batch) * 224 * 224 * 3);
  std::vector<std::int32_t> labels(batch);
  const Tensor dst(pixels.get(), Shape4{batch, 224, 224, 3});
  Rng rng(3, stream_id("bench/masks"));
  WaitResult r;
  for (int s = 0; s <= steps; ++s) {
    std::vector<int> idx;
    for (const auto& d : space.decisions) idx.push_back(int(rng.uniform_int(std::uint32_t(d.size()))));
    const supernet::Masks masks = supernet::masks_from_indices(space, idx);
    const auto t0 = Clock::now();
    it.next(dst, labels.data());
    const double waited = seconds_since(t0);
    params.zero_grads();
    const auto res = net.train_replica(dst, labels.data(), masks, 1.f);
    TUNAS_CHECK(std::isfinite(res.loss), "loss ", res.loss);
    kernels::f32_rmsprop_update(params.size(), params.values(), ms.get(), mom.get(), params.grads(),
                                0.01f, kernels::kRmsPropDecay, kernels::kRmsPropMomentum,
                                kernels::kRmsPropEpsilon);
    if (s == 0) continue;  // the first batch is decoded synchronously: start-up, not timed
    r.wait_seconds += waited;
    r.step_seconds += seconds_since(t0);
  }
  return r;
}

struct ImageDataOptions {
  std::string dir, make_folder, json;
  int images = 512, batches = 16, step_batch = 16, steps = 3;
};

const OptionTable<ImageDataOptions>& table() {
  using C = ImageDataOptions;
  static const OptionTable<C> t({
      option("dir", &C::dir, "an image folder to read"),
      option("make_folder", &C::make_folder, "write a photo-like JPEG folder here and exit"),
      option("images", &C::images, "--make-folder: JPEGs written").above(0),
      option("batches", &C::batches, "timed batches of 64 per thread count").above(0),
      option("step_batch", &C::step_batch, "batch of the 224 supernet step").above(0),
      option("steps", &C::steps, "timed supernet steps (0 = none)").at_least(0),
      option("json", &C::json, "write the rows as JSON to this file"),
  });
  return t;
}

int bench_main(int argc, char** argv) {
  ImageDataOptions o;
  if (!table().parse_tool(o, argc, argv,
                          "usage: tunas_bench_image_data --make-folder DIR [--images N]\n"
                          "       tunas_bench_image_data --dir DIR [--batches N] [--step-batch B] "
                          "[--steps S] [--json FILE]\n"))
    return 0;
  const std::string &dir = o.dir, &make = o.make_folder, &json = o.json;
  const int images = o.images, batches = o.batches, step_batch = o.step_batch, steps = o.steps;
  if (!make.empty()) {
    make_folder(make, images);
    return 0;
  }
  TUNAS_REQUIRE(!dir.empty(), "give --dir DIR (an image folder) or --make-folder DIR");
  const datasets::ImageSet set = datasets::load_image_folder(dir, {1001, false}).train;
  std::string rows;
  for (int threads : {1, 2}) {
    const Throughput t = images_per_second(set, threads, batches);
    std::printf("decode+augment 224: threads %d: %.1f images/s, %.2f CPU ms/image\n", threads,
                t.images_per_second, t.cpu_ms_per_image);
    rows += str_cat(rows.empty() ? "" : ",\n", "  {\"case\": \"decode_augment_224\", \"threads\": ", threads,
                    ", \"images_per_second\": ", t.images_per_second, ", \"cpu_ms_per_image\": ",
                    t.cpu_ms_per_image, "}");
  }
  if (steps > 0) {
    const WaitResult w = wait_fraction(set, 2, step_batch, steps);
    std::printf("supernet step 224 (batch %d, 2 threads): %.2f s/step, waiting for data %.2f%%\n",
                step_batch, w.step_seconds / steps, 100.0 * w.wait_seconds / w.step_seconds);
    rows += str_cat(",\n  {\"case\": \"step_wait_224\", \"threads\": 2, \"batch\": ", step_batch,
                    ", \"step_seconds\": ", w.step_seconds / steps, ", \"wait_fraction\": ",
                    w.wait_seconds / w.step_seconds, "}");
  }
  if (!json.empty()) std::ofstream(json) << "[\n" << rows << "\n]\n";
  return 0;
}

}  // namespace
}  // namespace tunas

int main(int argc, char** argv) { return tunas::run_main("tunas_bench_image_data", tunas::bench_main, argc, argv); }
