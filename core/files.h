// File output that never leaves a half-written file behind.
//
// write_file_atomic writes to "<path>.tmp.<pid>", flushes and fsyncs it, then renames it
// over path (rename is atomic on POSIX), and fsyncs the directory. On any failure the
// temporary file is removed, the old file (if any) is untouched, and tunas::Error names the
// path and the system error.
#pragma once

#include <string>
#include <string_view>

namespace tunas {

void write_file_atomic(const std::string& path, std::string_view contents);
// Appends one line (a '\n' is added) and flushes; throws tunas::Error on failure.
void append_line(const std::string& path, std::string_view line);
// Whole file as bytes; throws tunas::Error naming the path when it cannot be read.
std::string read_file(const std::string& path);
// mkdir -p; throws tunas::Error naming the path on failure.
void make_directories(const std::string& path);
bool file_exists(const std::string& path);
// The path made absolute against the working directory ("" stays ""), so a run directory
// that records it works from anywhere.
std::string absolute_path(const std::string& path);

}  // namespace tunas
