// Reads our YAML search-space format (documented in search_spaces/README.md) into a Space.
//
// Every error is a tunas::Error whose message starts with "<file>:<line>:<column>:" and
// names the key, the valid keys or values, or the range that was expected.
#pragma once

#include <string>

#include "search_spaces/space.h"

namespace tunas::spaces {

// Parses YAML text. `source` names the text in messages (a file path, or "<string>");
// a space without a `name:` key is named after the file stem of `source`.
Space parse_space_yaml(const std::string& text, const std::string& source);

// Reads and parses one YAML file.
Space parse_space_file(const std::string& path);

}  // namespace tunas::spaces
