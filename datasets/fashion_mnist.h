// Fashion-MNIST (Xiao et al. 2017): 60 000 training and 10 000 test images, 28x28 grey,
// 10 classes, stored as four IDX files (see idx.h), gzipped or plain:
//   train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]
//   t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]
// Debian's dataset-fashion-mnist package installs the gzipped ones under
// kFashionMnistDefaultDir. A .gz file is preferred when both forms exist.
#pragma once

#include <string>

#include "datasets/dataset.h"

namespace tunas::datasets {

inline constexpr const char* kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist";
inline constexpr int kFashionMnistSide = 28;
// Mean and std of the 60 000 training images' pixels (0.2860 and 0.3530 of 255).
inline constexpr float kFashionMnistMean = 72.940f;
inline constexpr float kFashionMnistStd = 90.021f;

// Loads both official splits ("fashion_mnist/train", "fashion_mnist/test"). Throws a
// tunas::Error naming the directory or file on any problem (idx.h lists the checks).
Dataset load_fashion_mnist(const std::string& dir = kFashionMnistDefaultDir);

}  // namespace tunas::datasets
