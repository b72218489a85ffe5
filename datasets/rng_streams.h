// Stream ids for the datasets' random draws (one stream per purpose, core/rng.h).
//
// A purpose is named ("<purpose>/shuffle") and hashed with tunas::stream_id; a family of
// streams indexed by an integer (one per epoch, one per synthetic image) mixes the index
// into the named id with splitmix64, so neighbouring indices get unrelated streams.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/rng.h"

namespace tunas::datasets {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Stream `index` of the family whose named id is `family`.
inline std::uint64_t indexed_stream(std::uint64_t family, std::uint64_t index) {
  return splitmix64(family ^ splitmix64(index));
}

}  // namespace tunas::datasets
