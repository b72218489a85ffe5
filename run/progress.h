// The progress of a run on stderr: the step line (on a terminal one line rewritten in place,
// else one line per update), lines of their own (evaluations), and the step rate and ETA.
// Quiet (--quiet, and every rank but 0) prints nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tunas::run {

class Progress {
 public:
  Progress();  // not quiet; a terminal when stderr is one

  void set_quiet(bool quiet) { quiet_ = quiet; }
  bool quiet() const { return quiet_; }

  // The current step line.
  void step_line(const std::string& line) const;
  // A line of its own (ends with '\n'); on a terminal it replaces the step line.
  void message(const std::string& line) const;
  // Ends the step line on a terminal, after the loop.
  void finish() const;

 private:
  bool quiet_ = false;
  bool tty_ = false;
};

// Steps per second since the run (this invocation) started, and the time left.
class StepRate {
 public:
  explicit StepRate(std::int64_t first_step);

  double seconds() const;
  double steps_per_second(std::int64_t step) const;
  // "4m05s"; "?" before any step.
  std::string eta(std::int64_t step, std::int64_t total_steps) const;

 private:
  std::chrono::steady_clock::time_point started_;
  std::int64_t first_step_;
};

}  // namespace tunas::run
