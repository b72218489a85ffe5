// str_cat spells every part as `std::ostream << part` does (core/error.h): text and integers
// take a direct path, everything else a stream; the oracle here is the stream itself.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>

#include "core/error.h"

namespace {

template <typename... Args>
std::string streamed(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

enum Plain { kPlainZero, kPlainSeven = 7 };

}  // namespace

TEST_CASE("str_cat: every part as a stream spells it") {
  const std::string s = "text";
  const std::string_view sv = "view";
  char buffer[] = "buffer";
  const std::int8_t i8 = 65;      // a stream prints the character 'A'
  const std::uint8_t u8 = 66;     // 'B'
  const std::filesystem::path p = "/a b/c";  // a stream quotes it
  CHECK(tunas::str_cat("a", s, sv, buffer, 'c') == streamed("a", s, sv, buffer, 'c'));
  CHECK(tunas::str_cat(i8, u8, true, false) == streamed(i8, u8, true, false));
  CHECK(tunas::str_cat(0, -1, 42u, std::numeric_limits<long long>::min(),
                       std::numeric_limits<unsigned long long>::max(), short(-7),
                       std::numeric_limits<std::int64_t>::max(), std::size_t(18)) ==
        streamed(0, -1, 42u, std::numeric_limits<long long>::min(),
                 std::numeric_limits<unsigned long long>::max(), short(-7),
                 std::numeric_limits<std::int64_t>::max(), std::size_t(18)));
  CHECK(tunas::str_cat(1.5, 0.1f, 1e21, -0.0, 3e-4) == streamed(1.5, 0.1f, 1e21, -0.0, 3e-4));
  CHECK(tunas::str_cat(p, kPlainSeven, kPlainZero) == streamed(p, kPlainSeven, kPlainZero));
  CHECK(tunas::str_cat() == "");
  CHECK(tunas::str_cat("got ", 3, " channels, need ", 2.5) == "got 3 channels, need 2.5");
}
