#include "search_spaces/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/files.h"
#include "search_spaces/parse.h"

#ifndef TUNAS_DEFAULT_DATA_ROOT
#error "TUNAS_DEFAULT_DATA_ROOT must be defined by search_spaces/CMakeLists.txt"
#endif

namespace tunas::spaces {
namespace fs = std::filesystem;

std::string data_root() {
  const char* env = std::getenv("TUNAS_DATA_DIR");
  return (env != nullptr && *env != '\0') ? std::string(env) : std::string(TUNAS_DEFAULT_DATA_ROOT);
}

std::string spaces_dir() { return (fs::path(data_root()) / "search_spaces").string(); }

std::string data_file(const std::string& file) {
  return (fs::path(spaces_dir()) / "data" / file).string();
}

std::vector<std::string> known_spaces() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(spaces_dir(), ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

bool is_space_path(const std::string& name_or_path) {
  return name_or_path.find('/') != std::string::npos || ends_with(name_or_path, ".yaml") ||
         ends_with(name_or_path, ".yml");
}

std::string stable_space_reference(const std::string& name_or_path) {
  return is_space_path(name_or_path) ? absolute_path(name_or_path) : name_or_path;
}

std::string space_path(const std::string& name_or_path) {
  TUNAS_REQUIRE(!name_or_path.empty(), "empty search space name");
  if (is_space_path(name_or_path)) {
    std::error_code ec;  // a path too long or unreadable is "no such file", not an exception
    TUNAS_REQUIRE(fs::is_regular_file(name_or_path, ec), name_or_path,
                  ": no such search space file");
    return name_or_path;
  }
  const fs::path file = fs::path(spaces_dir()) / (name_or_path + ".yaml");
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    std::string names;
    for (const std::string& n : known_spaces()) names += (names.empty() ? "" : ", ") + n;
    throw Error(str_cat("unknown search space '", name_or_path, "': no file ", file.string(),
                        " (known spaces: ", names.empty() ? "none found" : names,
                        "; or give a path to a YAML file; TUNAS_DATA_DIR sets the data root)"));
  }
  return file.string();
}

Space load_space(const std::string& name_or_path) {
  return parse_space_file(space_path(name_or_path));
}

}  // namespace tunas::spaces
