// Where search spaces and their data live, and loading a space by name or path.
//
// The data root is $TUNAS_DATA_DIR when set, else the repository the binary was built from
// (compile-time default). Under it: search_spaces/<name>.yaml for the named spaces and
// search_spaces/data/ for data files (tunas_cost_model.json). Binaries therefore work from
// any working directory, e.g. build/bin.
#pragma once

#include <string>
#include <vector>

#include "search_spaces/space.h"

namespace tunas::spaces {

std::string data_root();
// data_root()/search_spaces
std::string spaces_dir();
// data_root()/search_spaces/data/<file>
std::string data_file(const std::string& file);

// Names of the spaces found in spaces_dir() (file stems of *.yaml), sorted.
std::vector<std::string> known_spaces();

// A name (no '/', no .yaml/.yml suffix) resolves to spaces_dir()/<name>.yaml; anything
// else is read as a file path. Unknown names throw an Error listing the known spaces.
std::string space_path(const std::string& name_or_path);
// True for a path (a '/' or a .yaml/.yml suffix), false for a space name.
bool is_space_path(const std::string& name_or_path);
// Names unchanged, paths made absolute: what a run directory records, so --resume and
// export work from any working directory.
std::string stable_space_reference(const std::string& name_or_path);
Space load_space(const std::string& name_or_path);

}  // namespace tunas::spaces
