#include "core/rng.h"

#include <cmath>

namespace tunas {

std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> ctr,
                                         std::array<std::uint32_t, 2> key) {
  constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t(kMul0) * ctr[0];
    const std::uint64_t p1 = std::uint64_t(kMul1) * ctr[2];
    ctr = {std::uint32_t(p1 >> 32) ^ ctr[1] ^ key[0], std::uint32_t(p1),
           std::uint32_t(p0 >> 32) ^ ctr[3] ^ key[1], std::uint32_t(p0)};
    key[0] += kWeyl0;
    key[1] += kWeyl1;
  }
  return ctr;
}

std::uint64_t stream_id(std::string_view name) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : name) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

void Rng::refill() {
  block_ = philox4x32({std::uint32_t(counter_), std::uint32_t(counter_ >> 32), std::uint32_t(stream_),
                       std::uint32_t(stream_ >> 32)},
                      {std::uint32_t(seed_), std::uint32_t(seed_ >> 32)});
  ++counter_;
  available_ = 4;
}

std::uint32_t Rng::next_u32() {
  if (available_ == 0) refill();
  return block_[4 - available_--];
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t hi = next_u32();
  return (hi << 32) | next_u32();
}

float Rng::uniform() { return float(next_u32() >> 8) * (1.0f / 16777216.0f); }

double Rng::uniform_double() { return double(next_u64() >> 11) * (1.0 / 9007199254740992.0); }

std::uint32_t Rng::uniform_int(std::uint32_t n) {
  if (n <= 1) return 0;
  const std::uint32_t limit = std::uint32_t(-n) % n;  // 2^32 mod n: reject below it
  for (;;) {
    const std::uint32_t r = next_u32();
    if (r >= limit) return r % n;
  }
}

double Rng::normal() {
  double u1 = uniform_double();
  while (u1 <= 0.0) u1 = uniform_double();
  const double u2 = uniform_double();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

double Rng::truncated_normal(double sigma) {
  for (;;) {
    const double x = normal();
    if (std::fabs(x) <= 2.0) return x * sigma;
  }
}

void Rng::set_position(std::uint64_t position) {
  counter_ = position / 4;
  available_ = 0;
  if (position % 4 != 0) {
    refill();
    available_ = 4 - int(position % 4);
  }
}

}  // namespace tunas
