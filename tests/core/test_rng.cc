#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"

TEST_CASE("philox4x32-10 matches the Random123 known-answer vectors") {
  // Known-answer tests from Random123 (kat_vectors): philox4x32 10 rounds.
  auto r = tunas::philox4x32({0, 0, 0, 0}, {0, 0});
  CHECK(r[0] == 0x6627e8d5u);
  CHECK(r[1] == 0xe169c58du);
  CHECK(r[2] == 0xbc57ac4cu);
  CHECK(r[3] == 0x9b00dbd8u);
  r = tunas::philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                        {0xffffffffu, 0xffffffffu});
  CHECK(r[0] == 0x408f276du);
  CHECK(r[1] == 0x41c83b0eu);
  CHECK(r[2] == 0xa20bc7c6u);
  CHECK(r[3] == 0x6d5451fdu);
}

TEST_CASE("rng: streams are reproducible and positions restore") {
  tunas::Rng a(42, 7), b(42, 7), c(42, 8);
  std::vector<std::uint32_t> va, vc;
  for (int i = 0; i < 11; ++i) {
    va.push_back(a.next_u32());
    vc.push_back(c.next_u32());
    CHECK(b.next_u32() == va.back());
  }
  CHECK(va != vc);
  tunas::Rng d(42, 7);
  d.set_position(5);
  CHECK(d.next_u32() == va[5]);
  CHECK(d.position() == 6);
  tunas::Rng e(42, 7);
  e.set_position(8);
  CHECK(e.next_u32() == va[8]);
}

TEST_CASE("rng: distributions have the right moments") {
  tunas::Rng rng(1, 2);
  const int n = 200000;
  double sum = 0, sum2 = 0, tsum2 = 0, tmax = 0;
  int counts[5] = {0, 0, 0, 0, 0};
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    CHECK_MESSAGE((u >= 0 && u < 1), "uniform out of [0,1)");
    const double z = rng.normal();
    sum += z;
    sum2 += z * z;
    const double t = rng.truncated_normal(0.5);
    tsum2 += t * t;
    tmax = std::max(tmax, std::fabs(t));
    counts[rng.uniform_int(5)]++;
  }
  CHECK(std::fabs(sum / n) < 0.01);
  CHECK(std::fabs(sum2 / n - 1.0) < 0.02);
  CHECK(tmax <= 1.0);
  // variance of a standard normal truncated at +-2 is 0.7737413 (times sigma^2)
  CHECK(std::fabs(tsum2 / n - 0.7737413 * 0.25) < 0.005);
  for (int k = 0; k < 5; ++k) CHECK(std::abs(counts[k] - n / 5) < n / 50);
}
