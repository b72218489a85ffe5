#include "datasets/file_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace tunas::datasets {

namespace {
constexpr std::size_t kChunkBytes = std::size_t(1) << 20;
// read_to_end's first chunk; later ones double up to kChunkBytes, so a small file costs a
// small buffer (a fixed 1 MiB zeroed per call dominated reading small files).
constexpr std::size_t kFirstChunkBytes = std::size_t(1) << 14;
// zlib's input buffer: 128 KiB for large files, the file's size (at least 4 KiB) for smaller
// ones, whose reads would otherwise be dominated by allocating it.
constexpr std::uintmax_t kMaxGzBufferBytes = std::uintmax_t(1) << 17;
constexpr std::uintmax_t kMinGzBufferBytes = std::uintmax_t(1) << 12;
gzFile as_gz(void* file) { return static_cast<gzFile>(file); }
}  // namespace

GzFile::GzFile(std::string path) : path_(std::move(path)) {
  std::error_code ec;  // an unusable path is "no such file", never a filesystem_error
  TUNAS_REQUIRE(std::filesystem::is_regular_file(path_, ec), path_,
                ": cannot open (no such regular file)");
  errno = 0;
  file_ = gzopen(path_.c_str(), "rb");
  TUNAS_REQUIRE(file_ != nullptr, path_, ": cannot open (",
                errno ? std::strerror(errno) : "zlib could not allocate", ")");
  const std::uintmax_t file_bytes = std::filesystem::file_size(path_, ec);
  gzbuffer(as_gz(file_), unsigned(ec ? kMaxGzBufferBytes
                                     : std::clamp(file_bytes, kMinGzBufferBytes, kMaxGzBufferBytes)));
}

GzFile::~GzFile() {
  if (file_) gzclose(as_gz(file_));
}

std::size_t GzFile::read_some(std::uint8_t* dst, std::size_t bytes) {
  std::size_t done = 0;
  while (done < bytes) {
    const unsigned want = unsigned(std::min(bytes - done, kChunkBytes));
    const int got = gzread(as_gz(file_), dst + done, want);
    if (got < 0) {
      int code = 0;
      const char* message = gzerror(as_gz(file_), &code);
      // A gzip stream cut short reports Z_BUF_ERROR: that is a truncated file.
      throw Error(str_cat(path_, ": read error after ", done, " bytes (",
                          code == Z_BUF_ERROR ? "truncated gzip stream: " : "", message, ")"));
    }
    if (got == 0) break;
    done += std::size_t(got);
  }
  return done;
}

void GzFile::read_exact(std::vector<std::uint8_t>& dst, std::size_t bytes, std::string_view what) {
  const std::size_t start = dst.size();
  std::size_t done = 0;
  while (done < bytes) {
    const std::size_t want = std::min(bytes - done, kChunkBytes);
    dst.resize(start + done + want);
    const std::size_t got = read_some(dst.data() + start + done, want);
    done += got;
    if (got < want) {
      dst.resize(start + done);
      throw Error(str_cat(path_, ": truncated ", what, ": expected ", bytes, " bytes, got ", done));
    }
  }
}

void GzFile::read_to_end(std::vector<std::uint8_t>& dst) {
  for (std::size_t chunk = kFirstChunkBytes;; chunk = std::min(2 * chunk, kChunkBytes)) {
    const std::size_t start = dst.size();
    dst.resize(start + chunk);
    const std::size_t got = read_some(dst.data() + start, chunk);
    dst.resize(start + got);
    if (got < chunk) return;
  }
}

bool GzFile::at_end() {
  std::uint8_t byte = 0;
  return read_some(&byte, 1) == 0;
}

void require_directory(const std::string& dir, std::string_view what) {
  std::error_code ec;
  TUNAS_REQUIRE(std::filesystem::is_directory(dir, ec), what, " directory '", dir,
                "' does not exist (or is not a directory)");
}

std::string find_file(const std::string& dir, std::initializer_list<std::string_view> names) {
  std::string tried;
  for (std::string_view name : names) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) return path;
    tried += str_cat(tried.empty() ? "" : ", ", path);
  }
  throw Error(str_cat("missing dataset file: none of ", tried, " exists"));
}

}  // namespace tunas::datasets
