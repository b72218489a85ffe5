// The real Fashion-MNIST from Debian's dataset-fashion-mnist package, when installed.
#include <doctest/doctest.h>

#include <filesystem>
#include <vector>

#include "datasets/batch_iterator.h"
#include "datasets/fashion_mnist.h"

using namespace tunas;
using namespace tunas::datasets;

TEST_CASE("real Fashion-MNIST: 60000/10000 images, 28x28, 6000 per class") {
  if (!std::filesystem::exists(std::string(kFashionMnistDefaultDir) + "/train-images-idx3-ubyte.gz")) {
    MESSAGE("skipped: Fashion-MNIST not found under ", kFashionMnistDefaultDir,
            " (apt install dataset-fashion-mnist)");
    return;
  }
  const Dataset data = load_fashion_mnist();
  CHECK(data.train.size() == 60000);
  CHECK(data.test.size() == 10000);
  CHECK(data.train.height == 28);
  CHECK(data.train.width == 28);
  CHECK(data.train.channels == 1);
  CHECK(data.train.num_classes == 10);
  std::vector<int> train_hist(10, 0), test_hist(10, 0);
  for (int label : data.train.labels) train_hist[label]++;
  for (int label : data.test.labels) test_hist[label]++;
  CHECK(train_hist == std::vector<int>(10, 6000));
  CHECK(test_hist == std::vector<int>(10, 1000));
  // The documented normalisation constants are the training set's statistics.
  const ChannelStats stats = channel_stats(data.train);
  CHECK(stats.mean[0] == doctest::Approx(kFashionMnistMean).epsilon(1e-3));
  CHECK(stats.std[0] == doctest::Approx(kFashionMnistStd).epsilon(1e-3));

  // The default split and one proxy-resolution batch.
  const TrainValidationSplit split = split_train_validation(data.train);
  CHECK(split.train.size() == 50000);
  CHECK(split.validation.size() == kDefaultValidationSize);
  BatchIterator it(split.train, proxy_preprocess(split.train, true), {});
  std::vector<float> buffer(8 * 32 * 32);
  std::vector<std::int32_t> labels(8);
  CHECK(it.next(Tensor(buffer.data(), {8, 32, 32, 1}), labels.data()) == 8);
}
