// Helpers for the search_spaces tests: committed test data and the shared reference data.
#pragma once

#include <string>
#include <vector>

namespace tunas::test {

// tests/search_spaces/data/<file>
std::string spaces_test_data(const std::string& file);
// ${TUNAS_SOURCE_DIR}/../shared/data/<file>, or "" when the shared folder is absent.
std::string shared_data(const std::string& file);
// Rows of a tab-separated file, without '#' comment lines and without the header row.
std::vector<std::vector<std::string>> read_tsv(const std::string& path);
// "a, b, c" -> {"a", "b", "c"}
std::vector<std::string> split_list(const std::string& text);
std::string read_text(const std::string& path);

}  // namespace tunas::test
