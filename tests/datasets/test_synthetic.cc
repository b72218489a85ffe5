// The synthetic dataset: deterministic, balanced, and learnable.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/threads.h"
#include "datasets/load.h"
#include "datasets/synthetic.h"

using namespace tunas;
using namespace tunas::datasets;

TEST_CASE("make_synthetic is deterministic in the seed and independent of threads") {
  SyntheticConfig config;
  config.train_count = 300;
  config.test_count = 50;
  config.height = 9;
  config.width = 7;
  config.channels = 3;
  config.num_classes = 4;
  set_num_threads(1);
  const Dataset a = make_synthetic(config);
  set_num_threads(2);
  const Dataset b = make_synthetic(config);
  set_num_threads(0);
  CHECK(a.train.pixels == b.train.pixels);
  CHECK(a.test.pixels == b.test.pixels);
  CHECK(a.train.labels == b.train.labels);
  config.seed = 2;
  CHECK(make_synthetic(config).train.pixels != a.train.pixels);

  CHECK(a.train.name == "synthetic/train");
  CHECK(a.train.size() == 300);
  CHECK(a.test.size() == 50);
  CHECK(a.train.image_bytes() == 9 * 7 * 3);
  CHECK(a.train.class_names.at(3) == "class_3");
  std::vector<int> histogram(4, 0);
  for (int label : a.train.labels) histogram[label]++;
  CHECK(histogram == std::vector<int>{75, 75, 75, 75});
  // The test split shares prototypes but not images.
  CHECK(std::vector<std::uint8_t>(a.train.image(0), a.train.image(1)) !=
        std::vector<std::uint8_t>(a.test.image(0), a.test.image(1)));
  const ChannelStats stats = channel_stats(a.train);
  CHECK(a.train.norm_mean == stats.mean);
  CHECK(a.test.norm_std == a.train.norm_std);
  CHECK(stats.std[0] > 30.f);  // noise and signal spread the pixels
}

TEST_CASE("synthetic classes are learnable: nearest class mean beats chance on the test split") {
  SyntheticConfig config;
  config.train_count = 1000;
  config.test_count = 400;
  const Dataset data = make_synthetic(config);
  const std::int64_t d = data.train.image_bytes();
  std::vector<double> centroid(10 * d, 0.0);
  std::vector<int> count(10, 0);
  for (std::int64_t i = 0; i < data.train.size(); ++i) {
    const int label = data.train.labels[i];
    count[label]++;
    for (std::int64_t p = 0; p < d; ++p) centroid[label * d + p] += data.train.image(i)[p];
  }
  for (int k = 0; k < 10; ++k)
    for (std::int64_t p = 0; p < d; ++p) centroid[k * d + p] /= count[k];
  int correct = 0;
  for (std::int64_t i = 0; i < data.test.size(); ++i) {
    int best = -1;
    double best_dist = 1e300;
    for (int k = 0; k < 10; ++k) {
      double dist = 0.0;
      for (std::int64_t p = 0; p < d; ++p) {
        const double diff = data.test.image(i)[p] - centroid[k * d + p];
        dist += diff * diff;
      }
      if (dist < best_dist) best_dist = dist, best = k;
    }
    correct += best == data.test.labels[i];
  }
  const double accuracy = double(correct) / double(data.test.size());
  CAPTURE(accuracy);
  CHECK(accuracy > 0.5);  // chance is 0.1
}

TEST_CASE("synthetic classes are learnable: softmax regression loss falls") {
  SyntheticConfig config;
  config.train_count = 500;
  config.test_count = 1;
  config.height = config.width = 8;
  config.noise = 64.f;
  const Dataset data = make_synthetic(config);
  const int d = int(data.train.image_bytes()), classes = 10;
  std::vector<double> w(classes * (d + 1), 0.0);
  auto epoch = [&](bool update) {
    double loss = 0.0;
    for (std::int64_t i = 0; i < data.train.size(); ++i) {
      const std::uint8_t* x = data.train.image(i);
      double logits[10], max_logit = -1e300;
      for (int k = 0; k < classes; ++k) {
        double z = w[k * (d + 1) + d];
        for (int p = 0; p < d; ++p) z += w[k * (d + 1) + p] * (x[p] - data.train.norm_mean[0]) / data.train.norm_std[0];
        logits[k] = z;
        max_logit = std::max(max_logit, z);
      }
      double sum = 0.0;
      for (double& z : logits) sum += (z = std::exp(z - max_logit));
      const int label = data.train.labels[i];
      loss -= std::log(logits[label] / sum);
      if (!update) continue;
      for (int k = 0; k < classes; ++k) {
        const double g = logits[k] / sum - (k == label ? 1.0 : 0.0);
        for (int p = 0; p < d; ++p) w[k * (d + 1) + p] -= 0.01 * g * (x[p] - data.train.norm_mean[0]) / data.train.norm_std[0];
        w[k * (d + 1) + d] -= 0.01 * g;
      }
    }
    return loss / double(data.train.size());
  };
  const double initial = epoch(false);
  CHECK(initial == doctest::Approx(std::log(10.0)));
  for (int e = 0; e < 3; ++e) epoch(true);
  const double trained = epoch(false);
  CAPTURE(trained);
  CHECK(trained < 0.5 * initial);
}

TEST_CASE("make_synthetic and load_dataset reject bad arguments") {
  SyntheticConfig config;
  config.train_count = 0;
  CHECK_THROWS_WITH_AS(make_synthetic(config), doctest::Contains("counts 0/500"), Error);
  config = {};
  config.channels = 0;
  CHECK_THROWS_WITH_AS(make_synthetic(config), doctest::Contains("must be positive"), Error);
  config = {};
  config.noise = -1.f;
  CHECK_THROWS_WITH_AS(make_synthetic(config), doctest::Contains("noise -1"), Error);
  CHECK_THROWS_WITH_AS(load_dataset("mnist"), doctest::Contains("unknown dataset 'mnist'; valid names: fashion_mnist, cifar10, synthetic, imagefolder, filelist"), Error);
  CHECK_THROWS_WITH_AS(load_dataset("cifar10"), doctest::Contains("needs a data directory"), Error);
  CHECK_THROWS_WITH_AS(load_dataset("synthetic", "/tmp"), doctest::Contains("takes no directory"), Error);
  CHECK(load_dataset("synthetic").train.size() == SyntheticConfig{}.train_count);
  const Dataset sized = load_dataset("synthetic", "", 300);
  CHECK(sized.train.size() == 300);
  CHECK(sized.test.size() == 60);
}
