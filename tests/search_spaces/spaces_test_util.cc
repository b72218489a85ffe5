#include "tests/search_spaces/spaces_test_util.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tunas::test {

std::string spaces_test_data(const std::string& file) {
  return std::string(TUNAS_SOURCE_DIR) + "/tests/search_spaces/data/" + file;
}

std::string shared_data(const std::string& file) {
  const std::filesystem::path p = std::filesystem::path(TUNAS_SOURCE_DIR) / ".." / "shared" / "data" / file;
  return std::filesystem::is_regular_file(p) ? p.string() : std::string();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
  std::istringstream in(read_text(path));
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> cells;
    std::size_t start = 0;
    while (true) {
      const std::size_t tab = line.find('\t', start);
      cells.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    rows.push_back(cells);
  }
  return rows;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    out.push_back(b == std::string::npos ? "" : item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace tunas::test
