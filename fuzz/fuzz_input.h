// Shared by the libFuzzer harnesses: the input as text or as a file (the readers under test
// take paths), and the rule every harness enforces: a parser may refuse its input only with
// tunas::Error; any other exception escapes and libFuzzer reports it as a crash.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tunas::fuzz {

inline std::string as_text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Writes `data` to `path`, replacing it.
inline void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) __builtin_trap();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
}

// Inputs live in memory (/dev/shm): rewriting a file on a disk file system costs a writeback
// per input (ext4 flushes a truncated-and-rewritten file on close), which held the harnesses
// that read files to a few hundred executions per second.
inline std::string scratch_path(const std::string& suffix) {
  return "/dev/shm/tunas_fuzz_" + std::to_string(::getpid()) + suffix;
}

// Writes the input to a per-process file (named with `suffix`, e.g. ".gz") and returns its
// path; the same path is reused for every input of the run.
inline std::string as_file(const std::uint8_t* data, std::size_t size, const std::string& suffix) {
  const std::string path = scratch_path(suffix);
  write_file(path, data, size);
  return path;
}

// A per-process empty directory for harnesses whose reader takes one.
inline std::string as_directory() {
  const std::string dir = scratch_path(".d");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) __builtin_trap();
  return dir;
}

}  // namespace tunas::fuzz
