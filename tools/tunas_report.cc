// tunas_report RUN_DIR: writes RUN_DIR/report.html for a tunas_search or tunas_train run
// directory, finished or not (see report/html_report.h and README.md).
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "report/html_report.h"

namespace {

int report_main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::printf("usage: tunas_report RUN_DIR\n  writes RUN_DIR/report.html: settings, curves, policy "
                "evolution and architecture of a tunas_search or tunas_train run (finished or not)\n");
    return 0;
  }
  TUNAS_REQUIRE(argc == 2, "usage: tunas_report RUN_DIR (got ", argc - 1, " arguments)");
  std::printf("%s\n", tunas::report::write_report(argv[1]).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("tunas_report", report_main, argc, argv); }
