// Aligned buffers and the per-step workspace arena (STYLE.md G9).
//
// Contract for kernels: they may READ up to TUNAS_EXTRA_BYTES past the end of any buffer
// handed out here, never write there. Every allocation carries that slack.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace tunas {

inline constexpr std::size_t TUNAS_ALIGNMENT = 64;
inline constexpr std::size_t TUNAS_EXTRA_BYTES = 64;

struct AlignedDeleter {
  void operator()(void* p) const noexcept;
};

// Allocates bytes (+ TUNAS_EXTRA_BYTES slack), 64-byte aligned, zero-filled.
// Throws std::bad_alloc on failure.
void* aligned_alloc_bytes(std::size_t bytes);

template <typename T>
using AlignedPtr = std::unique_ptr<T[], AlignedDeleter>;

template <typename T>
AlignedPtr<T> aligned_array(std::size_t count) {
  return AlignedPtr<T>(static_cast<T*>(aligned_alloc_bytes(count * sizeof(T))));
}

inline constexpr std::size_t align_up(std::size_t n, std::size_t a = TUNAS_ALIGNMENT) {
  return (n + a - 1) / a * a;
}

// A bump allocator over one buffer reserved for the worst case at start-up. A training
// step takes what it needs with allocate() and gives it all back with reset() (or back to
// a mark with rewind()); after the first step nothing touches the heap. Not thread-safe:
// one arena per step driver.
class Arena {
 public:
  Arena() = default;
  explicit Arena(std::size_t capacity_bytes) { reserve(capacity_bytes); }

  // (Re)allocates the backing buffer; drops everything handed out before.
  void reserve(std::size_t capacity_bytes);

  // 64-byte aligned, uninitialised; aborts with a clear message when the arena is too
  // small (a planning bug: the arena is sized for the worst case).
  void* allocate_bytes(std::size_t bytes);
  float* allocate_floats(std::size_t count) {
    return static_cast<float*>(allocate_bytes(count * sizeof(float)));
  }

  std::size_t mark() const { return used_; }
  void rewind(std::size_t mark);
  void reset() { used_ = 0; }

  std::size_t capacity() const { return capacity_; }
  std::size_t used() const { return used_; }
  std::size_t high_water() const { return high_water_; }
  void reset_high_water() { high_water_ = used_; }

 private:
  AlignedPtr<std::uint8_t> buffer_;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
  std::size_t high_water_ = 0;
};

// Resident set size of this process now and its peak (VmHWM), in bytes; 0 when unknown.
std::size_t current_rss_bytes();
std::size_t peak_rss_bytes();

}  // namespace tunas
