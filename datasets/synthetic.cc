#include "datasets/synthetic.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "core/threads.h"
#include "datasets/rng_streams.h"

namespace tunas::datasets {

namespace {

constexpr int kWaves = 3;
constexpr double kTwoPi = 6.283185307179586;

// prototypes[(k * height + y) * width + x) * channels + c] in [-1, 1].
std::vector<float> make_prototypes(const SyntheticConfig& cfg) {
  const std::int64_t image = std::int64_t(cfg.height) * cfg.width * cfg.channels;
  std::vector<float> protos(cfg.num_classes * image);
  Rng rng(cfg.seed, stream_id("datasets/synthetic/prototypes"));
  for (int k = 0; k < cfg.num_classes; ++k) {
    for (int c = 0; c < cfg.channels; ++c) {
      double fy[kWaves], fx[kWaves], phase[kWaves], weight[kWaves];
      for (int j = 0; j < kWaves; ++j) {
        fy[j] = rng.uniform_int(4);
        fx[j] = rng.uniform_int(4);
        phase[j] = kTwoPi * rng.uniform_double();
        weight[j] = 0.5 + rng.uniform_double();
      }
      float peak = 0.f;
      for (int y = 0; y < cfg.height; ++y) {
        for (int x = 0; x < cfg.width; ++x) {
          double v = 0.0;
          for (int j = 0; j < kWaves; ++j) {
            v += weight[j] * std::cos(kTwoPi * (fy[j] * y / cfg.height + fx[j] * x / cfg.width) +
                                      phase[j]);
          }
          protos[((std::int64_t(k) * cfg.height + y) * cfg.width + x) * cfg.channels + c] = float(v);
          peak = std::max(peak, float(std::fabs(v)));
        }
      }
      if (peak > 0.f) {
        for (int p = 0; p < cfg.height * cfg.width; ++p) {
          protos[k * image + std::int64_t(p) * cfg.channels + c] /= peak;
        }
      }
    }
  }
  return protos;
}

ImageSet make_split(const SyntheticConfig& cfg, const std::vector<float>& protos,
                    std::int64_t count, const char* split) {
  ImageSet set;
  set.name = str_cat("synthetic/", split);
  set.height = cfg.height;
  set.width = cfg.width;
  set.channels = cfg.channels;
  set.num_classes = cfg.num_classes;
  for (int k = 0; k < cfg.num_classes; ++k) set.class_names.push_back(str_cat("class_", k));
  const std::int64_t image = set.image_bytes();
  set.pixels.resize(count * image);
  set.labels.resize(count);
  const std::uint64_t family = stream_id(str_cat("datasets/synthetic/", split));
  parallel_for(count, 16, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      Rng rng(cfg.seed, indexed_stream(family, std::uint64_t(i)));
      const int label = int(i % cfg.num_classes);
      set.labels[i] = label;
      const float* proto = protos.data() + label * image;
      const double brightness = cfg.signal * 0.5 * (rng.uniform_double() - 0.5);
      std::uint8_t* dst = set.pixels.data() + i * image;
      for (std::int64_t p = 0; p < image; ++p) {
        const double v = 128.0 + cfg.signal * proto[p] + brightness + cfg.noise * rng.normal();
        dst[p] = std::uint8_t(std::clamp(std::nearbyint(v), 0.0, 255.0));
      }
    }
  });
  return set;
}

}  // namespace

Dataset make_synthetic(const SyntheticConfig& cfg) {
  TUNAS_REQUIRE(cfg.train_count > 0 && cfg.test_count > 0, "synthetic dataset: counts ",
                cfg.train_count, "/", cfg.test_count, " must be positive");
  TUNAS_REQUIRE(cfg.height > 0 && cfg.width > 0 && cfg.channels > 0 && cfg.num_classes > 0,
                "synthetic dataset: shape ", cfg.height, "x", cfg.width, "x", cfg.channels,
                " and ", cfg.num_classes, " classes must be positive");
  TUNAS_REQUIRE(cfg.signal >= 0.f && cfg.noise >= 0.f, "synthetic dataset: signal ", cfg.signal,
                " and noise ", cfg.noise, " must be >= 0");
  const std::vector<float> protos = make_prototypes(cfg);
  Dataset dataset{make_split(cfg, protos, cfg.train_count, "train"),
                  make_split(cfg, protos, cfg.test_count, "test")};
  const ChannelStats stats = channel_stats(dataset.train);
  for (ImageSet* set : {&dataset.train, &dataset.test}) {
    set->norm_mean = stats.mean;
    set->norm_std = stats.std;
    for (float& s : set->norm_std) s = std::max(s, 1.f);  // a constant image must not divide by 0
    set->validate();
  }
  return dataset;
}

}  // namespace tunas::datasets
