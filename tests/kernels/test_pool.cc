// Tests for kernels/f32-pool: global average pooling forward/backward.
#include <doctest/doctest.h>

#include <vector>

#include "kernels/f32-pool/pool.h"
#include "tests/kernels/ops_test_helpers.h"

using namespace tunas::kernels;
using namespace tunas::test::ops;

TEST_CASE("f32_global_avg_pool: forward vs naive, backward vs finite differences, prefixes") {
  auto rng = tunas::test::make_rng("f32_global_avg_pool");
  for (std::int64_t hw : {1, 35, 105}) {
    for (int channels : {1, 7, 8, 9, 17, 33, 70}) {
      CAPTURE(hw);
      CAPTURE(channels);
      const int batch = 3;
      const std::int64_t xs = channels + 2, ys = channels + 5;
      const std::vector<float> x = prefix_buffer(rng, batch * hw, channels, xs);
      std::vector<float> y = prefix_buffer(rng, batch, channels, ys);
      f32_global_avg_pool_forward(batch, hw, channels, y.data(), ys, x.data(), xs);
      std::vector<double> expected(batch * channels, 0.0);
      for (int n = 0; n < batch; ++n)
        for (std::int64_t p = 0; p < hw; ++p)
          for (int c = 0; c < channels; ++c) expected[n * channels + c] += x[(n * hw + p) * xs + c] / double(hw);
      CHECK(prefix_close(y, expected, batch, channels, ys, 1e-6, 1e-6));
      CHECK(outside_prefix_untouched(y, channels, ys));

      // L = sum r * pool(x) is linear: dL/dx[n][p][c] = r[n][c] / hw (exact FD of a linear map).
      const std::vector<float> r = prefix_buffer(rng, batch, channels, ys);
      std::vector<float> dx = prefix_buffer(rng, batch * hw, channels, xs);
      auto expected_dx = prefix_to_double(dx, batch * hw, channels, xs);
      const auto xd = prefix_to_double(x, batch * hw, channels, xs);
      auto loss = [&](const std::vector<double>& v) {
        double l = 0;
        for (int n = 0; n < batch; ++n)
          for (std::int64_t p = 0; p < hw; ++p)
            for (int c = 0; c < channels; ++c) l += r[n * ys + c] * v[(n * hw + p) * channels + c] / double(hw);
        return l;
      };
      if (hw * channels <= 400) {
        const auto g = fd_gradient(xd, loss);
        for (std::size_t i = 0; i < g.size(); ++i) expected_dx[i] += g[i];
      } else {
        for (int n = 0; n < batch; ++n)
          for (std::int64_t p = 0; p < hw; ++p)
            for (int c = 0; c < channels; ++c) expected_dx[(n * hw + p) * channels + c] += r[n * ys + c] / double(hw);
      }
      f32_global_avg_pool_backward(batch, hw, channels, dx.data(), xs, r.data(), ys);
      CHECK(prefix_close(dx, expected_dx, batch * hw, channels, xs, 1e-6, 1e-5));
      CHECK(outside_prefix_untouched(dx, channels, xs));
    }
  }
}

TEST_CASE("f32_global_avg_pool: bitwise equal at 1 and 2 threads") {
  auto rng = tunas::test::make_rng("f32_global_avg_pool threads");
  const int batch = 8, channels = 150;
  const std::int64_t hw = 49;
  const std::vector<float> x = prefix_buffer(rng, batch * hw, channels, channels);
  const std::vector<float> dy = prefix_buffer(rng, batch, channels, channels);
  check_threads_bitwise([&] {
    std::vector<float> y(batch * channels), dx(x.size(), 0.f);
    f32_global_avg_pool_forward(batch, hw, channels, y.data(), channels, x.data(), channels);
    f32_global_avg_pool_backward(batch, hw, channels, dx.data(), channels, dy.data(), channels);
    y.insert(y.end(), dx.begin(), dx.end());
    return y;
  });
}
