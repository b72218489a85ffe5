// tunas_report RUN_DIR: writes RUN_DIR/report.html for a tunas_search or tunas_train run
// directory, finished or not (see report/html_report.h and README.md).
#include <cstdio>

#include "core/error.h"
#include "report/html_report.h"
#include "run/option_table.h"

namespace {

struct ReportOptions {
  std::string run;
};

const tunas::OptionTable<ReportOptions>& table() {
  static const tunas::OptionTable<ReportOptions> t({
      tunas::option("run", &ReportOptions::run,
                    "a tunas_search or tunas_train run directory (or give it as RUN_DIR)"),
  });
  return t;
}

int report_main(int argc, char** argv) {
  ReportOptions o;
  if (!table().parse_tool(o, argc, argv,
                          "usage: tunas_report RUN_DIR\n  writes RUN_DIR/report.html: settings, "
                          "curves, policy evolution and architecture of a tunas_search or "
                          "tunas_train run (finished or not)\n",
                          "run"))
    return 0;
  TUNAS_REQUIRE(!o.run.empty(), "usage: tunas_report RUN_DIR (see --help)");
  std::printf("%s\n", tunas::report::write_report(o.run).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("tunas_report", report_main, argc, argv); }
