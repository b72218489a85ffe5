// Reading dataset files: gzip-compressed or plain, through zlib's gz* API (which passes
// plain files through unchanged). Every error is a tunas::Error that names the file.
//
// Not thread-safe: one GzFile per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tunas::datasets {

class GzFile {
 public:
  // Throws tunas::Error "<path>: cannot open (...)" when the file is missing or unreadable.
  explicit GzFile(std::string path);
  ~GzFile();
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  const std::string& path() const { return path_; }

  // Appends exactly `bytes` decompressed bytes to dst, reading in chunks (so a header that
  // promises more than the file holds fails on the data, not on a huge allocation). Throws
  // "<path>: truncated <what>: expected N bytes, got M" or the zlib error.
  void read_exact(std::vector<std::uint8_t>& dst, std::size_t bytes, std::string_view what);
  // Appends everything up to the end of the data.
  void read_to_end(std::vector<std::uint8_t>& dst);
  // True when no decompressed byte is left (consumes one byte otherwise).
  bool at_end();

 private:
  // Reads up to `bytes`; returns the count, throws on a zlib error.
  std::size_t read_some(std::uint8_t* dst, std::size_t bytes);
  std::string path_;
  void* file_ = nullptr;  // gzFile
};

// Throws "<what> directory '<dir>' does not exist" unless dir is a directory.
void require_directory(const std::string& dir, std::string_view what);

// The first of dir/<name> for name in `names` that exists; throws a tunas::Error listing
// every candidate path when none does.
std::string find_file(const std::string& dir, std::initializer_list<std::string_view> names);

}  // namespace tunas::datasets
