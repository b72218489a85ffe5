#include "tests/test_util.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace tunas::test {

std::uint64_t base_seed() {
  static const std::uint64_t seed = [] {
    const char* s = std::getenv("TUNAS_TEST_SEED");
    return s ? std::strtoull(s, nullptr, 10) : 20200611ull;
  }();
  return seed;
}

Rng make_rng(const std::string& test_name) { return Rng(base_seed(), stream_id(test_name)); }

void fill_uniform(Rng& rng, float* data, std::size_t count, float lo, float hi) {
  for (std::size_t i = 0; i < count; ++i) data[i] = lo + (hi - lo) * rng.uniform();
}

std::vector<float> random_vector(Rng& rng, std::size_t count, float lo, float hi) {
  std::vector<float> v(count);
  fill_uniform(rng, v.data(), count, lo, hi);
  return v;
}

template <typename T>
static bool all_close_impl(const T* actual, const T* expected, std::size_t count, double abs_tol,
                           double rel_tol, std::string* message) {
  for (std::size_t i = 0; i < count; ++i) {
    const double a = actual[i], e = expected[i];
    const double tol = std::max(abs_tol, rel_tol * std::fabs(e));
    if (!(std::fabs(a - e) <= tol)) {
      std::ostringstream os;
      os << "first mismatch at index " << i << ": actual " << a << " expected " << e
         << " (|diff| " << std::fabs(a - e) << " > tol " << tol << "), seed " << base_seed();
      if (message) *message = os.str();
      return false;
    }
  }
  if (message) message->clear();
  return true;
}

bool all_close(const float* actual, const float* expected, std::size_t count, double abs_tol,
               double rel_tol, std::string* message) {
  return all_close_impl(actual, expected, count, abs_tol, rel_tol, message);
}
bool all_close(const double* actual, const double* expected, std::size_t count, double abs_tol,
               double rel_tol, std::string* message) {
  return all_close_impl(actual, expected, count, abs_tol, rel_tol, message);
}

}  // namespace tunas::test
