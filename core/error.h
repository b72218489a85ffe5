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
#include <string_view>
#include <type_traits>
#include <utility>

namespace tunas {

// The exception of the tools/config tier. The message must say what is wrong and where
// (file and line, field path, decision path, valid range).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
// Out of line: one copy of the append code, not one per message (and GCC 12's -Wrestrict
// false positive on an inlined std::string::append stays out of the callers).
void append_text(std::string& out, std::string_view text);
void append_integer(std::string& out, long long value);
void append_integer(std::string& out, unsigned long long value);

// One part of str_cat, spelled as `std::ostream << part` spells it. Text and integers are
// appended directly (the common parts of messages, JSON paths and keys: an ostringstream
// per call cost parsers more than their parsing); everything else goes through a stream.
template <typename T>
void append_part(std::string& out, const T& part) {
  using D = std::decay_t<T>;
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    append_text(out, std::string_view(part));
  } else if constexpr (std::is_same_v<D, char>) {
    append_text(out, std::string_view(&part, 1));
  } else if constexpr (std::is_integral_v<D> && !std::is_same_v<D, bool> &&
                       !std::is_same_v<D, signed char> && !std::is_same_v<D, unsigned char>) {
    // (a stream prints int8_t / uint8_t as characters and bool as 0 / 1: those take the
    // stream below)
    if constexpr (std::is_signed_v<D>) append_integer(out, static_cast<long long>(part));
    else append_integer(out, static_cast<unsigned long long>(part));
  } else {
    std::ostringstream os;
    os << part;
    append_text(out, os.str());
  }
}
}  // namespace detail

// Concatenates any streamable arguments into one string: str_cat("got ", n, " channels").
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::string out;
  (detail::append_part(out, args), ...);
  return out;
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
