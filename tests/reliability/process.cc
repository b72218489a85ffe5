#include "process.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/files.h"

namespace tunas::test {

std::string tool_path(const std::string& tool) {
  return std::string(TUNAS_BINARY_DIR) + "/bin/" + tool;
}

namespace {
pid_t spawn(const std::string& tool, const std::vector<std::string>& args, const std::string& cwd,
            const std::string& stderr_path) {
  const std::string binary = tool_path(tool);
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = ::open("/dev/null", O_WRONLY);
    const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) _exit(126);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}
}  // namespace

int wait_exit_code(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

ToolResult run_tool(const std::string& tool, const std::vector<std::string>& args,
                    const std::string& cwd) {
  const std::string err_path =
      (std::filesystem::temp_directory_path() / ("tunas_tool_stderr_" + std::to_string(::getpid())))
          .string();
  ToolResult r;
  r.exit_code = wait_exit_code(spawn(tool, args, cwd, err_path));
  r.err = read_file(err_path);
  std::filesystem::remove(err_path);
  return r;
}

pid_t spawn_tool(const std::string& tool, const std::vector<std::string>& args) {
  return spawn(tool, args, "", "/dev/null");
}

std::string fresh_dir(const std::string& name) {
  const std::filesystem::path p = std::filesystem::temp_directory_path() / ("tunas_rel_" + name);
  // A tmpfs a failed fault test left mounted here would make the removal fail: detach it.
  ::umount2(p.c_str(), MNT_DETACH);
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

}  // namespace tunas::test
