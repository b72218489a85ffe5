// Spec §1.2 rounding unit-test values.
#include <doctest/doctest.h>

#include "search_spaces/rounding.h"

using tunas::spaces::make_divisible;
using tunas::spaces::scale_filters;

TEST_CASE("scale_filters reproduces the spec §1.2 values") {
  CHECK(scale_filters(32, 0.25, 8) == 8);
  CHECK(scale_filters(64, 1.0 / 3.0, 8) == 24);
  CHECK(scale_filters(64, 1.4, 32) == 96);
  CHECK(scale_filters(64, 3, 32) == 192);
  CHECK(scale_filters(68, 1.0, 8) == 72);
  CHECK(scale_filters(68, 1.2, 8) == 80);
  CHECK(scale_filters(76, 1.0, 8) == 80);
  CHECK(scale_filters(76, 1.2, 8) == 88);
  CHECK(scale_filters(1, 0.5, 8) == 8);  // never below base
}

TEST_CASE("make_divisible reproduces the spec §1.2 values") {
  CHECK(make_divisible(7, 8) == 8);
  CHECK(make_divisible(92, 100) == 100);
  CHECK(make_divisible(8, 8) == 8);
  CHECK(make_divisible(56, 8) == 56);
  CHECK(make_divisible(72, 8) == 72);
  CHECK(make_divisible(1023, 8) == 1024);
  CHECK(make_divisible(1025, 8) == 1024);
  CHECK(make_divisible(18, 8) == 24);  // the 10 % rule
}
