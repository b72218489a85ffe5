#include "train/architecture_file.h"

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "search_spaces/catalog.h"
#include "search_spaces/parse.h"

namespace tunas::train {

ArchitectureFile read_architecture_file(const std::string& path) {
  ArchitectureFile a;
  a.path = path;
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error& e) {
    throw Error(str_cat("--arch: ", e.what()));
  }
  const JsonDocument doc = parse_json(text, "--arch " + path);
  const JsonField root(doc, "--arch " + path);
  // Absent or not a string: empty (the checks below name what is missing).
  auto text_field = [&](const char* key) -> std::string {
    const JsonField f = root[key];
    return f && f.json().is_string() ? f.as<std::string>() : std::string();
  };
  TUNAS_REQUIRE(!text_field("indices").empty(), "--arch ", path,
                ": expected a final_architecture.json object with an \"indices\" string");
  a.indices = text_field("indices");
  a.space = text_field("space");
  TUNAS_REQUIRE(!a.space.empty(), "--arch ", path,
                ": no \"space\" string (not written by tunas_search?)");
  a.space_yaml = text_field("space_yaml");
  if (const JsonField net = root["network"]) {
    ArchitectureFile::Network n;
    n.proxy = net["proxy"].as<bool>();
    n.proxy_layers = net["proxy_layers"].as<int>();
    n.resolution = net["resolution"].as<int>();
    n.width_multiplier = net["width_multiplier"].as<double>();
    a.network = n;
  }
  return a;
}

spaces::Space architecture_space(const ArchitectureFile& arch, const std::string& space_flag) {
  if (space_flag.empty()) {
    return arch.space_yaml.empty()
               ? spaces::load_space(arch.space)
               : spaces::parse_space_yaml(arch.space_yaml, arch.path + " (space_yaml)");
  }
  spaces::Space space = spaces::load_space(space_flag);
  // Runs record the space's name; a hand-written --arch may give a path instead.
  const std::string arch_space =
      spaces::is_space_path(arch.space) ? spaces::load_space(arch.space).name : arch.space;
  TUNAS_REQUIRE(space.name == arch_space, "--space ", space_flag, " is the space '", space.name,
                "', but --arch ", arch.path, " was searched in the space '", arch_space,
                "'; drop --space to train in the architecture's own space");
  return space;
}

}  // namespace tunas::train
