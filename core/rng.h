// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011).
//
// A value is a pure function of (seed, stream, counter): streams never depend on the
// thread count or on the order in which threads run. Give every consumer its own stream id
// (e.g. hash of "init/blocks/3/expand" or (replica, purpose)) and let it advance its own
// counter. The state (seed, stream, counter) is three integers: checkpoints store it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tunas {

// One Philox4x32-10 block: 4 random 32-bit words for a 128-bit counter and 64-bit key.
std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter,
                                         std::array<std::uint32_t, 2> key);

// Stable 64-bit hash (FNV-1a) for naming streams.
std::uint64_t stream_id(std::string_view name);

class Rng {
 public:
  Rng() = default;
  Rng(std::uint64_t seed, std::uint64_t stream) : seed_(seed), stream_(stream) {}

  std::uint32_t next_u32();
  std::uint64_t next_u64();
  // Uniform in [0, 1) with 24 (float) or 53 (double) random bits.
  float uniform();
  double uniform_double();
  // Uniform integer in [0, n), unbiased (rejection).
  std::uint32_t uniform_int(std::uint32_t n);
  // Standard normal (Box-Muller on two uniforms).
  double normal();
  // Normal with stddev sigma, redrawn until |x| <= 2 sigma (TF truncated_normal).
  double truncated_normal(double sigma);

  std::uint64_t seed() const { return seed_; }
  std::uint64_t stream() const { return stream_; }
  // Number of 32-bit words consumed so far; restoring (seed, stream, position) resumes
  // the exact sequence.
  std::uint64_t position() const { return counter_ * 4 - std::uint64_t(available_); }
  void set_position(std::uint64_t position);

 private:
  void refill();
  std::uint64_t seed_ = 0;
  std::uint64_t stream_ = 0;
  std::uint64_t counter_ = 0;  // blocks generated
  std::array<std::uint32_t, 4> block_{};
  int available_ = 0;  // unread words left in block_
};

}  // namespace tunas
