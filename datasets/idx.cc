#include "datasets/idx.h"

#include <cstdio>

#include "core/error.h"
#include "datasets/file_reader.h"

namespace tunas::datasets {

namespace {
std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}
std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}
}  // namespace

IdxArray read_idx_u8(const std::string& path, int dims) {
  GzFile file(path);
  std::vector<std::uint8_t> header;
  file.read_exact(header, 4, "IDX magic");
  const std::uint32_t magic = big_endian_u32(header.data());
  const std::uint32_t expected = 0x0800u | std::uint32_t(dims);
  TUNAS_REQUIRE(magic == expected, path, ": wrong IDX magic ", hex32(magic), ", expected ",
                hex32(expected), " (unsigned bytes, ", dims, " dimensions)");
  file.read_exact(header, 4 * std::size_t(dims), "IDX header");
  IdxArray array;
  std::uint64_t total = 1;
  for (int d = 0; d < dims; ++d) {
    const std::uint32_t size = big_endian_u32(header.data() + 4 + 4 * d);
    TUNAS_REQUIRE(size > 0, path, ": IDX dimension ", d, " is 0");
    array.dims.push_back(size);
    total *= size;
    TUNAS_REQUIRE(total < (std::uint64_t(1) << 40), path, ": IDX header promises more than 2^40 bytes");
  }
  file.read_exact(array.data, total, "IDX data");
  TUNAS_REQUIRE(file.at_end(), path, ": extra bytes after the ", total,
                " data bytes its IDX header promises");
  return array;
}

ImageSet read_idx_image_set(const std::string& images_path, const std::string& labels_path,
                            const IdxSetInfo& info) {
  IdxArray images = read_idx_u8(images_path, 3);
  IdxArray labels = read_idx_u8(labels_path, 1);
  TUNAS_REQUIRE(int(images.dims[1]) == info.height && int(images.dims[2]) == info.width,
                images_path, ": wrong image dimensions ", images.dims[1], "x", images.dims[2],
                ", expected ", info.height, "x", info.width);
  TUNAS_REQUIRE(images.dims[0] == labels.dims[0], "image/label count mismatch: ", images_path,
                " holds ", images.dims[0], " images but ", labels_path, " holds ",
                labels.dims[0], " labels");
  ImageSet set;
  set.name = info.name;
  set.height = info.height;
  set.width = info.width;
  set.channels = 1;
  set.num_classes = int(info.class_names.size());
  set.class_names = info.class_names;
  set.norm_mean = {info.norm_mean};
  set.norm_std = {info.norm_std};
  set.pixels = std::move(images.data);
  set.labels.resize(labels.data.size());
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    TUNAS_REQUIRE(labels.data[i] < set.num_classes, labels_path, ": label ", int(labels.data[i]),
                  " of image ", i, " is outside [0, ", set.num_classes, ")");
    set.labels[i] = labels.data[i];
  }
  set.validate();
  return set;
}

}  // namespace tunas::datasets
