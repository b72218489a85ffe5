#include "core/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace tunas {

namespace {
std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, std::string_view data, const std::string& what) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(str_cat("cannot write ", what, ": ", errno_text()));
    }
    p += n;
    left -= std::size_t(n);
  }
}
}  // namespace

void write_file_atomic(const std::string& path, std::string_view contents) {
  const std::string tmp = str_cat(path, ".tmp.", ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(str_cat("cannot create ", tmp, ": ", errno_text()));
  try {
    write_all(fd, contents, tmp);
    if (::fsync(fd) != 0) throw Error(str_cat("cannot sync ", tmp, ": ", errno_text()));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw Error(str_cat("cannot close ", tmp, ": ", errno_text()));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw Error(str_cat("cannot rename ", tmp, " to ", path, ": ", why));
  }
  // Make the rename itself durable.
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void append_line(const std::string& path, std::string_view line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(str_cat("cannot open ", path, " for appending: ", errno_text()));
  std::string data(line);
  data += '\n';
  try {
    write_all(fd, data, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(str_cat("cannot read ", path, ": it is a directory, not a file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(str_cat("cannot read ", path, ": ", errno_text()));
  std::ostringstream os;
  os << in.rdbuf();
  if (in.bad()) throw Error(str_cat("error while reading ", path));
  return os.str();
}

void make_directories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw Error(str_cat("cannot create directory ", path, ": ", ec.message()));
  if (!std::filesystem::is_directory(path, ec))
    throw Error(str_cat("cannot create directory ", path, ": a file of that name exists"));
}

std::string absolute_path(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

bool file_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace tunas
