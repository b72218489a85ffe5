// Error handling in three tiers (STYLE.md G17).
//
//  * kernels/: TUNAS_DASSERT only; compiled out in release builds. Kernels never fail.
//  * core/ operators and runtime: [[nodiscard]] tunas::Status plus a log line naming the
//    operator, parameter and value; broken invariants use TUNAS_CHECK (always on, aborts
//    with file:line).
//  * tools/, YAML and config: throw tunas::Error (or yaml-cpp's exceptions); main() turns
//    them into exit codes with tunas::run_main (library error -> 1, anything else -> 2).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace tunas {

enum class [[nodiscard]] Status {
  ok = 0,
  invalid_argument,
  unimplemented,
  out_of_memory,
  unsupported_hardware,
  internal,
};

const char* status_name(Status status);

// The exception of the tools/config tier. The message must say what is wrong and where
// (file and line, field path, decision path, valid range).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Concatenates any streamable arguments into one string: str_cat("got ", n, " channels").
template <typename... Args>
std::string str_cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

[[noreturn]] void check_failed(const char* file, int line, const char* condition,
                               const std::string& message);

// Runs body() and converts exceptions into exit codes: tunas::Error and std::bad_alloc -> 1
// (printed as "<program>: error: <message>"), any other exception -> 2 (a bug).
int run_main(const char* program, int (*body)(int, char**), int argc, char** argv);

}  // namespace tunas

// Always-on invariant check: aborts with file:line and a message.
#define TUNAS_CHECK(cond, ...)                                                      \
  do {                                                                              \
    if (!(cond)) ::tunas::check_failed(__FILE__, __LINE__, #cond,                   \
                                       ::tunas::str_cat("" __VA_OPT__(, ) __VA_ARGS__)); \
  } while (0)

// Debug-only assertion for kernels; compiled out when NDEBUG is set.
#ifdef NDEBUG
#define TUNAS_DASSERT(cond) ((void)0)
#else
#define TUNAS_DASSERT(cond) TUNAS_CHECK(cond)
#endif

// Throws tunas::Error when cond is false (tools/config tier).
#define TUNAS_REQUIRE(cond, ...)                                         \
  do {                                                                   \
    if (!(cond)) throw ::tunas::Error(::tunas::str_cat(__VA_ARGS__));    \
  } while (0)
