#include "events/record_file.h"

#include <cstdint>

#include "events/crc32c.h"

namespace tunas::events {
namespace {

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(char((v >> (8 * i)) & 0xFFu));
}

std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

}  // namespace

std::string frame_record(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  put_le(out, data.size(), 8);
  put_le(out, mask_crc32c(crc32c(std::string_view(out.data(), 8))), 4);
  out.append(data);
  put_le(out, mask_crc32c(crc32c(data)), 4);
  return out;
}

std::vector<std::string> read_records(std::string_view bytes) {
  std::vector<std::string> records;
  std::size_t at = 0;
  while (bytes.size() - at >= 12) {
    const std::uint64_t length = get_le(bytes, at, 8);
    if (get_le(bytes, at + 8, 4) != mask_crc32c(crc32c(bytes.substr(at, 8)))) break;
    if (bytes.size() - at - 12 < length + 4) break;
    const std::string_view data = bytes.substr(at + 12, length);
    if (get_le(bytes, at + 12 + length, 4) != mask_crc32c(crc32c(data))) break;
    records.emplace_back(data);
    at += 16 + length;
  }
  return records;
}

}  // namespace tunas::events
