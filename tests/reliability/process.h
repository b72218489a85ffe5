// Running the real tool binaries from a test: exit code and stderr of a finished run, or a
// running child to signal. Tools are build/bin/<name>; stdout goes to /dev/null.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace tunas::test {

std::string tool_path(const std::string& tool);

struct ToolResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string err;     // stderr
};

// Runs `tool args...` in working directory `cwd` ("" = the test's) and waits for it.
ToolResult run_tool(const std::string& tool, const std::vector<std::string>& args,
                    const std::string& cwd = "");

// Starts `tool args...` (stderr to /dev/null); returns its pid.
pid_t spawn_tool(const std::string& tool, const std::vector<std::string>& args);
// Waits for a child; returns its exit code, or 128 + the signal that ended it.
int wait_exit_code(pid_t pid);

// A fresh empty directory under the system temp directory.
std::string fresh_dir(const std::string& name);

}  // namespace tunas::test
