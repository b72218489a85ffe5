// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TFRecord files,
// and TensorFlow's "masked" form of it that the record framing stores.
#pragma once

#include <cstdint>
#include <string_view>

namespace tunas::events {

std::uint32_t crc32c(std::string_view bytes);

// Rotate right by 15 and add a constant (TensorFlow's crc32c::Mask): a CRC stored next to
// the data it covers is not itself a valid CRC of a string containing it.
std::uint32_t mask_crc32c(std::uint32_t crc);

}  // namespace tunas::events
