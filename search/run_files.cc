#include "search/run_files.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/files.h"

namespace tunas::search {

std::string path_join(const std::string& dir, const std::string& file) {
  return (std::filesystem::path(dir) / file).string();
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = long(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  return buf;
}

void truncate_log(const std::string& path, std::int64_t step) {
  if (!file_exists(path)) return;
  std::istringstream in(read_file(path));
  std::string line, kept;
  while (std::getline(in, line)) {
    const auto pos = line.find("\"step\": ");
    if (pos == std::string::npos) continue;
    if (std::stoll(line.substr(pos + 8)) >= step) continue;
    kept += line;
    kept += '\n';
  }
  write_file_atomic(path, kept);
}

}  // namespace tunas::search
