#include "core/memory.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/error.h"

namespace tunas {

void AlignedDeleter::operator()(void* p) const noexcept { std::free(p); }

namespace {
void* aligned_alloc_uninitialised(std::size_t bytes) {
  void* p = std::aligned_alloc(TUNAS_ALIGNMENT, align_up(bytes + TUNAS_EXTRA_BYTES));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* aligned_alloc_bytes(std::size_t bytes) {
  void* p = aligned_alloc_uninitialised(bytes);
  std::memset(p, 0, align_up(bytes + TUNAS_EXTRA_BYTES));
  return p;
}

void Arena::reserve(std::size_t capacity_bytes) {
  capacity_ = align_up(capacity_bytes);
  // Not filled: the arena hands out uninitialised memory, and untouched pages of a large
  // reservation stay unmapped until a step first uses them (the plan is the worst case).
  buffer_.reset(static_cast<std::uint8_t*>(aligned_alloc_uninitialised(capacity_)));
  used_ = 0;
  high_water_ = 0;
}

void* Arena::allocate_bytes(std::size_t bytes) {
  const std::size_t size = align_up(bytes);
  TUNAS_CHECK(used_ + size <= capacity_, "workspace arena exhausted: need ", used_ + size,
              " bytes, reserved ", capacity_, " (the worst-case plan is wrong)");
  void* p = buffer_.get() + used_;
  used_ += size;
  if (used_ > high_water_) high_water_ = used_;
  return p;
}

void Arena::rewind(std::size_t mark) {
  TUNAS_CHECK(mark <= used_, "Arena::rewind to ", mark, " beyond used ", used_);
  used_ = mark;
}

static std::size_t read_status_kb(const char* key) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  std::size_t kb = 0;
  const std::size_t key_len = std::strlen(key);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, key, key_len) == 0) {
      kb = std::strtoull(line + key_len, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return kb;
}

std::size_t current_rss_bytes() { return read_status_kb("VmRSS:") * 1024; }
std::size_t peak_rss_bytes() { return read_status_kb("VmHWM:") * 1024; }

}  // namespace tunas
