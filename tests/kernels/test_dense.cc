// Tests for kernels/f32-dense: the classifier (dense with bias) on channel prefixes.
#include <doctest/doctest.h>

#include <vector>

#include "kernels/f32-dense/dense.h"
#include "tests/kernels/ops_test_helpers.h"

using namespace tunas::kernels;
using namespace tunas::test::ops;

TEST_CASE("f32_dense: forward with bias, backward_data, backward_weights with bias vs naive") {
  auto rng = tunas::test::make_rng("f32_dense");
  for (std::int64_t rows : {1, 7, 33}) {
    for (int ci : {1, 9, 33}) {
      for (int co : {1, 8, 17, 101}) {
        CAPTURE(rows);
        CAPTURE(ci);
        CAPTURE(co);
        const std::int64_t xs = ci + 2, ys = co + 3, ws = co + 1;
        const std::vector<float> x = prefix_buffer(rng, rows, ci, xs);
        const std::vector<float> w = prefix_buffer(rng, ci, co, ws);
        const std::vector<float> b = tunas::test::random_vector(rng, co);
        const std::vector<float> dy = prefix_buffer(rng, rows, co, ys);
        std::vector<float> y = prefix_buffer(rng, rows, co, ys);
        std::vector<float> dx = prefix_buffer(rng, rows, ci, xs);
        std::vector<float> dw = prefix_buffer(rng, ci, co, ws);
        std::vector<float> db = prefix_buffer(rng, 1, co, co + 1);
        std::vector<double> ey(rows * co), edx = prefix_to_double(dx, rows, ci, xs),
                                           edw = prefix_to_double(dw, ci, co, ws),
                                           edb = prefix_to_double(db, 1, co, co + 1);
        for (std::int64_t r = 0; r < rows; ++r)
          for (int o = 0; o < co; ++o) {
            double s = b[o];
            for (int i = 0; i < ci; ++i) {
              s += double(x[r * xs + i]) * w[i * ws + o];
              edx[r * ci + i] += double(dy[r * ys + o]) * w[i * ws + o];
              edw[i * co + o] += double(dy[r * ys + o]) * x[r * xs + i];
            }
            ey[r * co + o] = s;
            edb[o] += dy[r * ys + o];
          }
        f32_dense_forward(rows, ci, co, y.data(), ys, x.data(), xs, w.data(), ws, b.data());
        f32_dense_backward_data(rows, ci, co, dx.data(), xs, dy.data(), ys, w.data(), ws);
        f32_dense_backward_weights(rows, ci, co, dw.data(), ws, db.data(), dy.data(), ys, x.data(), xs);
        CHECK(prefix_close(y, ey, rows, co, ys, 1e-5, 1e-5));
        CHECK(prefix_close(dx, edx, rows, ci, xs, 1e-5, 1e-5));
        CHECK(prefix_close(dw, edw, ci, co, ws, 1e-5, 1e-5));
        CHECK(prefix_close(db, edb, 1, co, co + 1, 1e-5, 1e-5));
        CHECK(outside_prefix_untouched(y, co, ys));
        CHECK(outside_prefix_untouched(dx, ci, xs));
        CHECK(outside_prefix_untouched(dw, co, ws));
        CHECK(outside_prefix_untouched(db, co, co + 1));
      }
    }
  }
}
