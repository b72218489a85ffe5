#include <doctest/doctest.h>

#include <vector>

#include "core/error.h"
#include "core/tensor.h"

using tunas::Shape4;
using tunas::Tensor;

TEST_CASE("tensor: dense strides and element addressing") {
  std::vector<float> buf(2 * 3 * 4 * 5);
  Tensor t(buf.data(), Shape4{2, 3, 4, 5});
  CHECK(t.dense());
  CHECK(t.stride_w() == 5);
  CHECK(t.stride_h() == 20);
  CHECK(t.stride_n() == 60);
  t.at(1, 2, 3, 4) = 7.f;
  CHECK(buf[60 + 40 + 15 + 4] == 7.f);
}

TEST_CASE("tensor: channel prefix is a zero-copy view") {
  std::vector<float> buf(1 * 2 * 2 * 8);
  Tensor t(buf.data(), Shape4{1, 2, 2, 8});
  Tensor p = t.channel_prefix(3);
  CHECK(p.c() == 3);
  CHECK(p.stride_w() == 8);
  CHECK_FALSE(p.dense());
  p.at(0, 1, 1, 2) = 5.f;
  CHECK(t.at(0, 1, 1, 2) == 5.f);
  CHECK_THROWS_AS(t.channel_prefix(9), tunas::Error);
  CHECK_THROWS_AS(t.channel_prefix(-1), tunas::Error);
}

TEST_CASE("tensor: bad shapes give clear errors") {
  std::vector<float> buf(64);
  CHECK_THROWS_WITH_AS(Tensor(buf.data(), Shape4{1, 2, 2, 8}, 4),
                       doctest::Contains("pixel stride 4 is smaller than the channel extent"),
                       tunas::Error);
  CHECK_THROWS_AS(Tensor(buf.data(), Shape4{1, -2, 2, 8}), tunas::Error);
  CHECK_THROWS_AS(Tensor(nullptr, Shape4{1, 2, 2, 8}), tunas::Error);
  Tensor t(buf.data(), Shape4{4, 2, 2, 4});
  CHECK_THROWS_AS(t.batch_slice(3, 2), tunas::Error);
  CHECK(t.batch_slice(1, 2).data() == buf.data() + 16);
}

TEST_CASE("same padding follows TensorFlow (extra pad bottom/right)") {
  auto p = tunas::same_padding(224, 3, 2);
  CHECK(p.out == 112);
  CHECK(p.before == 0);
  CHECK(p.after == 1);
  p = tunas::same_padding(7, 5, 1);
  CHECK(p.out == 7);
  CHECK(p.before == 2);
  CHECK(p.after == 2);
  p = tunas::same_padding(15, 7, 2);
  CHECK(p.out == 8);
  CHECK(p.before == 3);
  CHECK(p.after == 3);
  p = tunas::same_padding(1, 7, 2);
  CHECK(p.out == 1);
  CHECK(p.before + p.after == 6);
  CHECK_THROWS_AS(tunas::same_padding(0, 3, 1), tunas::Error);
}
