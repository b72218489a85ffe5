// CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html): 50 000 training
// images in data_batch_1.bin .. data_batch_5.bin and 10 000 test images in test_batch.bin,
// 32x32 RGB, 10 classes. Each file is a sequence of 3073-byte records: 1 label byte, then
// the red, green and blue 32x32 planes (CHW, rows top to bottom). The loader converts the
// planes to HWC.
#pragma once

#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace tunas::datasets {

inline constexpr int kCifar10Side = 32;
inline constexpr int kCifar10RecordBytes = 1 + 3 * kCifar10Side * kCifar10Side;  // 3073
// Per-channel mean and std of the 50 000 training images (0.4914 0.4822 0.4465 and
// 0.2470 0.2435 0.2616 of 255).
inline constexpr float kCifar10Mean[3] = {125.307f, 122.961f, 113.858f};
inline constexpr float kCifar10Std[3] = {62.985f, 62.093f, 66.708f};

// Reads the records of CIFAR-10 binary files, in order, into one set called `name`.
// Throws a tunas::Error naming the file on: a missing file, a size that is 0 or not a
// multiple of 3073 bytes, a label byte >= 10.
ImageSet read_cifar10_files(const std::vector<std::string>& paths, const std::string& name);

// Loads both official splits ("cifar10/train", "cifar10/test") from `dir`, or from
// dir/cifar-10-batches-bin when that is where the files are (the archive's layout).
Dataset load_cifar10(const std::string& dir);

}  // namespace tunas::datasets
