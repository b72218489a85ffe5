#include "core/error.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>

namespace tunas {

namespace detail {

void append_text(std::string& out, std::string_view text) { out.append(text); }

void append_integer(std::string& out, long long value) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

void append_integer(std::string& out, unsigned long long value) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

}  // namespace detail

void check_failed(const char* file, int line, const char* condition, const std::string& message) {
  std::fprintf(stderr, "%s:%d: TUNAS_CHECK(%s) failed%s%s\n", file, line, condition,
               message.empty() ? "" : ": ", message.c_str());
  std::fflush(stderr);
  std::abort();
}

int run_main(const char* program, int (*body)(int, char**), int argc, char** argv) {
  try {
    return body(argc, argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    // Sizes are checked against the machine's memory up front; this is what slips past.
    std::fprintf(stderr, "%s: error: out of memory (lower the batch, resolution or widths)\n",
                 program);
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", program, e.what());
    return 2;
  }
}

}  // namespace tunas
