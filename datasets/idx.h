// The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/),
// gzip-compressed or plain.
//
//   bytes 0-1   0x00 0x00
//   byte  2     element type; only 0x08 (unsigned byte) is supported
//   byte  3     number of dimensions d (images: 3, labels: 1)
//   then        d big-endian uint32 dimension sizes (images: count, rows, cols)
//   then        prod(dims) bytes of data, row-major; nothing after it
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace tunas::datasets {

struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;  // prod(dims) bytes
};

// Reads an unsigned-byte IDX file with `dims` dimensions. Throws a tunas::Error naming the
// file on: missing file, wrong magic (bad prefix, element type or dimension count), a zero
// dimension, truncated header or data, or bytes left after the data.
IdxArray read_idx_u8(const std::string& path, int dims);

// What an IDX image/label pair must look like and the metadata to attach.
struct IdxSetInfo {
  std::string name;  // "fashion_mnist/train"
  int height = 0, width = 0;  // required image size
  std::vector<std::string> class_names;
  float norm_mean = 0.f, norm_std = 1.f;  // grey images: one channel
};

// Reads an images file (3 dims) and a labels file (1 dim) into a one-channel ImageSet.
// Besides read_idx_u8's checks, throws (naming the file) on images of another size than
// info.height x info.width, an image/label count mismatch, and a label >= class count.
ImageSet read_idx_image_set(const std::string& images_path, const std::string& labels_path,
                            const IdxSetInfo& info);

}  // namespace tunas::datasets
