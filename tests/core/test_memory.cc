#include <doctest/doctest.h>

#include <cstdint>

#include "core/memory.h"

TEST_CASE("arena: aligned bump allocation, rewind and high-water") {
  tunas::Arena arena(1 << 16);
  const std::size_t m0 = arena.mark();
  float* a = arena.allocate_floats(3);
  float* b = arena.allocate_floats(17);
  CHECK(reinterpret_cast<std::uintptr_t>(a) % tunas::TUNAS_ALIGNMENT == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(b) % tunas::TUNAS_ALIGNMENT == 0);
  CHECK(b - a == 16);  // 12 bytes rounded up to 64
  const std::size_t hw = arena.high_water();
  arena.rewind(m0);
  CHECK(arena.used() == 0);
  CHECK(arena.high_water() == hw);
  CHECK(arena.allocate_floats(1) == a);  // same memory reused: no new allocation
}

TEST_CASE("aligned arrays are zero-filled and aligned") {
  auto p = tunas::aligned_array<float>(33);
  CHECK(reinterpret_cast<std::uintptr_t>(p.get()) % 64 == 0);
  for (int i = 0; i < 33; ++i) CHECK(p[i] == 0.f);
}

TEST_CASE("rss readings are available on Linux") {
  CHECK(tunas::current_rss_bytes() > 0);
  CHECK(tunas::peak_rss_bytes() >= tunas::current_rss_bytes() / 2);
}
