// Versioned little-endian binary encoding of ControllerState, for checkpoints.
//
// Layout (version 1), all integers little-endian, doubles as their IEEE-754 bits in a
// little-endian u64, so a state round-trips bit for bit on any host:
//   8 bytes magic "TUNASPOL" | u32 version | u64 decisions | i32 num_choices[decisions]
//   i64 step | u64 n | f64 logits[n] | f64 adam_m[n] | f64 adam_v[n]
//   f64 beta1_power | f64 beta2_power | f64 baseline_num | f64 baseline_den
//   u64 seed | u64 replicas | u64 rng_positions[replicas]
// The checkpoint module embeds the bytes as an opaque blob.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <span>
#include <vector>

#include "policy/controller.h"

namespace tunas::policy {

inline constexpr std::uint32_t kControllerStateVersion = 1;

std::vector<std::uint8_t> encode_controller_state(const ControllerState& state);
// Throws tunas::Error on a wrong magic, an unknown version, a truncated buffer, trailing
// bytes, or sizes that disagree (m, v and logits must have the same length).
ControllerState decode_controller_state(std::span<const std::uint8_t> bytes);

// Stream forms: write the encoded bytes; read exactly one encoded state (the reader knows
// where it ends from the sizes inside). Throw tunas::Error on I/O failure.
void write_controller_state(std::ostream& out, const ControllerState& state);
ControllerState read_controller_state(std::istream& in);

}  // namespace tunas::policy
