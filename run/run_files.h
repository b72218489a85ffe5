// Small helpers shared by the run directories of tunas_search and tunas_train.
#pragma once

#include <cstdint>
#include <string>

namespace tunas::run {

std::string path_join(const std::string& dir, const std::string& file);

// "4m05s", "1h02m"; "?" for a negative or non-finite number of seconds.
std::string format_duration(double seconds);

// Rewrites the JSON-lines log at `path` without the records whose "step" is >= step: those
// were written after the checkpoint a resumed run restarts from, and will be written again.
void truncate_log(const std::string& path, std::int64_t step);

}  // namespace tunas::run
