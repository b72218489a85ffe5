// A final_architecture.json (tunas_search, tunas_arch export) as tunas_train --arch reads
// it: the index string and the space it belongs to, which a search on a YAML file embeds
// ("space_yaml"), so the file alone is enough to train its architecture.
#pragma once

#include <optional>
#include <string>

#include "search_spaces/space.h"

namespace tunas::train {

struct ArchitectureFile {
  std::string path;
  std::string indices;     // "i:j:..."
  std::string space;       // the space's name (or, in a hand-written file, a name or path)
  std::string space_yaml;  // the space's YAML text; "" for a catalog space
  // The network the search built ("network"; absent in files of earlier releases and in
  // hand-written ones): tunas_train's defaults for the flags of the same names.
  struct Network {
    bool proxy = true;
    int proxy_layers = 2;
    int resolution = 32;
    double width_multiplier = 1.0;
  };
  std::optional<Network> network;
};

// Throws tunas::Error naming the file (and line) when it is unreadable, not JSON, or lacks
// the "indices" or "space" string.
ArchitectureFile read_architecture_file(const std::string& path);

// The space to train in: `space_flag` (--space) when given, refused when it is another space
// than the file's; else the embedded YAML; else the file's space name or path.
spaces::Space architecture_space(const ArchitectureFile& arch, const std::string& space_flag);

}  // namespace tunas::train
