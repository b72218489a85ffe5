// report.html for a run directory: one self-contained page (inline CSS and SVG, no scripts,
// no network access) with the run's settings and outcome, its curves, the evolution of every
// decision's probabilities grouped by block, the final (or current arg-max) architecture, and
// for tunas_train runs the accuracy curves and final accuracy.
#pragma once

#include <string>

#include "report/run_reader.h"

namespace tunas::report {

std::string render_report(const RunData& run);

// read_run + render_report, written atomically to run_dir/report.html; returns its path.
std::string write_report(const std::string& run_dir);

}  // namespace tunas::report
