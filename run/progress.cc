#include "run/progress.h"

#include <unistd.h>

#include <cstdio>

#include "run/run_files.h"

namespace tunas::run {

Progress::Progress() : tty_(::isatty(STDERR_FILENO) == 1) {}

void Progress::step_line(const std::string& line) const {
  if (quiet_) return;
  if (tty_) std::fprintf(stderr, "\r\033[K%s", line.c_str());
  else std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void Progress::message(const std::string& line) const {
  if (quiet_) return;
  std::fprintf(stderr, "%s%s", tty_ ? "\r\033[K" : "", line.c_str());
}

void Progress::finish() const {
  if (tty_ && !quiet_) std::fprintf(stderr, "\n");
}

StepRate::StepRate(std::int64_t first_step)
    : started_(std::chrono::steady_clock::now()), first_step_(first_step) {}

double StepRate::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

double StepRate::steps_per_second(std::int64_t step) const {
  const double elapsed = seconds();
  return elapsed > 0 ? double(step - first_step_) / elapsed : 0;
}

std::string StepRate::eta(std::int64_t step, std::int64_t total_steps) const {
  const double rate = steps_per_second(step);
  return format_duration(rate > 0 ? double(total_steps - step) / rate : -1);
}

}  // namespace tunas::run
