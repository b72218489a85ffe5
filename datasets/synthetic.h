// A synthetic, learnable image classification dataset for tests and benchmarks.
//
// Every class k has a smooth prototype per channel: a sum of three 2-D cosine waves whose
// integer frequencies, phases and weights are drawn from the seed, scaled to [-1, 1]. An
// image of class k is
//   pixel = clamp(round(128 + signal * prototype_k(y, x, c) + brightness + noise * N(0,1)), 0, 255)
// with a per-image brightness offset uniform in [-signal/4, signal/4]. The class signal
// survives the noise, so a small network's loss falls and its accuracy beats chance; the
// noise keeps it from being trivial at high noise/signal ratios.
//
// Determinism: prototypes depend only on the seed; image i of a split depends only on
// (seed, split, i), so the train and test splits share prototypes but no images, and the
// result does not depend on the thread count. Labels cycle: label(i) = i mod num_classes.
#pragma once

#include <cstdint>

#include "datasets/dataset.h"

namespace tunas::datasets {

struct SyntheticConfig {
  std::int64_t train_count = 2000;
  std::int64_t test_count = 500;
  int height = 28, width = 28, channels = 1;
  int num_classes = 10;
  std::uint64_t seed = 1;
  float signal = 48.f;  // prototype amplitude, pixel units
  float noise = 48.f;   // per-pixel Gaussian noise stddev, pixel units
};

// "synthetic/train" and "synthetic/test"; class names "class_0", ...; norm_mean/norm_std
// are the measured statistics of the train split. Throws tunas::Error on a non-positive
// count or extent, or negative signal/noise.
Dataset make_synthetic(const SyntheticConfig& config);

}  // namespace tunas::datasets
