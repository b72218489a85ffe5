#include "run/run_files.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/files.h"

namespace tunas::run {

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
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const auto pos = line.find("\"step\": ");
    if (pos == std::string::npos) continue;
    // A record without a numeric step is a line torn by a kill, or edited: it is dropped.
    std::int64_t record_step = 0;
    const char* first = line.data() + pos + 8;
    const auto [end, ec] = std::from_chars(first, line.data() + line.size(), record_step);
    if (ec != std::errc() || end == first) {
      std::fprintf(stderr, "warning: %s:%d: no numeric \"step\"; the record is dropped\n",
                   path.c_str(), line_number);
      continue;
    }
    if (record_step >= step) continue;
    kept += line;
    kept += '\n';
  }
  write_file_atomic(path, kept);
}

}  // namespace tunas::run
