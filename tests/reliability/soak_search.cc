// soak_search: a long search with the process's resident memory and the supernet arena's
// high-water mark sampled every minute (docs/RELIABILITY.md). Not a ctest test: it runs for
// as long as it is told (scripts/soak.sh).
//
//   soak_search MINUTES RUN_DIR CSV SVG [tunas_search flags...]
//
// One CSV row a minute: minute, step, rss_kib, peak_rss_kib, arena_high_water_bytes,
// arena_capacity_bytes (the arena figures as of the last finished chunk of 20 steps).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "run/stop_signal.h"
#include "search/search_config.h"
#include "search/search_run.h"

namespace {

struct Series {
  std::string label, color;
  std::vector<double> y;
};

// A line chart of series over minutes 0..n-1, y from 0 to the largest value (flat = no leak).
std::string line_chart_svg(const std::vector<double>& minutes, const std::vector<Series>& series) {
  double top = 1;
  for (const Series& s : series)
    for (double v : s.y) top = std::max(top, v * 1.1);
  const double x_max = minutes.empty() ? 1 : std::max(1.0, minutes.back());
  const double left = 60, width = 600, height = 300, base = 330;
  auto px = [&](double m) { return left + m / x_max * width; };
  auto py = [&](double v) { return base - v / top * height; };
  std::string svg = tunas::str_cat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"700\" height=\"380\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n<text x=\"350\" y=\"18\" text-anchor=\"middle\">tunas_search soak: "
      "MiB per minute (y from 0 to ", top, ")</text>\n<rect x=\"", left, "\" y=\"", base - height,
      "\" width=\"", width, "\" height=\"", height, "\" fill=\"none\" stroke=\"black\"/>\n<text x=\"",
      left + width / 2, "\" y=\"", base + 30, "\" text-anchor=\"middle\">minutes (0 to ", x_max,
      ")</text>\n");
  double legend_y = base - height + 16;
  for (const Series& s : series) {
    svg += "<polyline fill=\"none\" stroke=\"" + s.color + "\" points=\"";
    for (std::size_t i = 0; i < s.y.size() && i < minutes.size(); ++i)
      svg += tunas::str_cat(px(minutes[i]), ",", py(s.y[i]), " ");
    svg += tunas::str_cat("\"/>\n<text x=\"", left + 8, "\" y=\"", legend_y, "\" fill=\"", s.color,
                          "\">", s.label, "</text>\n");
    legend_y += 16;
  }
  return svg + "</svg>\n";
}

// VmRSS and VmHWM of this process, in KiB.
std::pair<long, long> resident_kib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  long rss = -1, peak = -1;
  while (in >> key) {
    if (key == "VmRSS:") in >> rss;
    else if (key == "VmHWM:") in >> peak;
  }
  return {rss, peak};
}

int soak_main(int argc, char** argv) {
  TUNAS_REQUIRE(argc >= 5, "usage: soak_search MINUTES RUN_DIR CSV SVG [tunas_search flags...]");
  const double minutes = std::stod(argv[1]);
  const std::string run_dir = argv[2], csv_path = argv[3], svg_path = argv[4];
  tunas::search::SearchConfig config;
  config.out = run_dir;
  config.steps = 1000000;  // more than an hour holds: the run is stopped by the clock
  config.quiet = true;
  config.threads = 1;
  config.checkpoint_every = 100;
  std::vector<char*> flags = {argv[0]};
  for (int i = 5; i < argc; ++i) flags.push_back(argv[i]);
  TUNAS_REQUIRE(tunas::search::parse_search_flags(config, int(flags.size()), flags.data()),
                "--help is not a soak");
  tunas::search::SearchRun run(config);

  // The search runs in a worker thread in chunks of steps (each ends with a checkpoint, so
  // checkpointing is soaked too); this thread samples once a minute, on the clock.
  std::atomic<std::int64_t> step{0};
  std::atomic<std::size_t> arena_high_water{run.arena_high_water_bytes()};
  std::atomic<bool> finished{false};
  std::thread worker([&] {
    while (!tunas::run::stop_requested().load()) {
      const tunas::search::SearchOutcome o = run.run(20);
      step.store(o.steps_done);
      arena_high_water.store(run.arena_high_water_bytes());
      if (o.steps_done >= o.total_steps) break;
    }
    finished.store(true);
  });

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::string csv = "minute,step,rss_kib,peak_rss_kib,arena_high_water_bytes,arena_capacity_bytes\n";
  std::vector<double> sampled_at;
  Series rss{"resident set (MiB)", "#1f77b4", {}};
  Series arena{"arena high-water (MiB)", "#d62728", {}};
  for (int minute = 0; minute <= int(minutes) && !finished.load(); ++minute) {
    std::this_thread::sleep_until(start + std::chrono::seconds(60 * minute));
    const auto [kib, peak] = resident_kib();
    char row[256];
    std::snprintf(row, sizeof row, "%d,%lld,%ld,%ld,%zu,%zu\n", minute, (long long)step.load(), kib,
                  peak, arena_high_water.load(), run.arena_capacity_bytes());
    csv += row;
    std::fputs(row, stderr);
    sampled_at.push_back(minute);
    rss.y.push_back(double(kib) / 1024.0);
    arena.y.push_back(double(arena_high_water.load()) / (1024.0 * 1024.0));
    tunas::write_file_atomic(csv_path, csv);  // partial figures survive a stopped soak
    tunas::write_file_atomic(svg_path, line_chart_svg(sampled_at, {rss, arena}));
  }
  tunas::run::stop_requested().store(true);
  worker.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("soak_search", soak_main, argc, argv); }
