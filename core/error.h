// Error handling in two tiers (STYLE.md G17).
//
//  * kernels/ and core/ invariants: TUNAS_DASSERT in kernels (compiled out in release builds;
//    kernels never fail) and TUNAS_CHECK for broken invariants (always on, aborts with
//    file:line). These are bugs, never the user's input.
//  * everything a user's input, file or setting can get wrong: throw tunas::Error with a
//    message naming the file, line, field or flag and the valid range; main() turns it into
//    exit code 1 with tunas::run_main (anything else -> 2).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace tunas {

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
