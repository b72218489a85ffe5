// TFRecord framing, the container of TensorBoard event files. One record is
//   uint64 length (little-endian) | uint32 masked_crc32c(length bytes) |
//   data[length]                  | uint32 masked_crc32c(data)
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tunas::events {

std::string frame_record(std::string_view data);

// The data of every complete, checksum-valid record from the start of `bytes`. Reading
// stops at the first truncated or corrupt record: the tail a killed writer leaves behind.
std::vector<std::string> read_records(std::string_view bytes);

}  // namespace tunas::events
