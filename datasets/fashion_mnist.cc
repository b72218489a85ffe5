#include "datasets/fashion_mnist.h"

#include "datasets/file_reader.h"
#include "datasets/idx.h"

namespace tunas::datasets {

Dataset load_fashion_mnist(const std::string& dir) {
  require_directory(dir, "Fashion-MNIST");
  IdxSetInfo info;
  info.height = info.width = kFashionMnistSide;
  info.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  info.norm_mean = kFashionMnistMean;
  info.norm_std = kFashionMnistStd;
  Dataset dataset;
  info.name = "fashion_mnist/train";
  dataset.train = read_idx_image_set(
      find_file(dir, {"train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"}),
      find_file(dir, {"train-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte"}), info);
  info.name = "fashion_mnist/test";
  dataset.test = read_idx_image_set(
      find_file(dir, {"t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"}),
      find_file(dir, {"t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte"}), info);
  return dataset;
}

}  // namespace tunas::datasets
