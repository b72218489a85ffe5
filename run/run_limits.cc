#include "run/run_limits.h"

#include <unistd.h>

#include <cstdio>

namespace tunas::run {

namespace {
double square(int v) { return double(v) * double(v); }

double gib(double bytes) { return bytes / double(1ull << 30); }
}  // namespace

double activation_bytes_lower_bound(const spaces::Space& configured, std::int64_t batch) {
  double floats_per_image = 0;
  for (const spaces::Block& block : configured.blocks) {
    for (const spaces::Layer& layer : block.layers) {
      const spaces::LayerShape& s = layer.shape;
      floats_per_image += square(s.out_size) * s.max_out;
      // The expanded 1x1 output and the depthwise output of a bottleneck.
      floats_per_image += (square(s.in_size) + square(s.out_size)) * s.max_expansion;
    }
  }
  return floats_per_image * sizeof(float) * double(batch);
}

double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page_size > 0 ? double(pages) * double(page_size) : 0.0;
}

void check_fits_in_memory(const spaces::Space& configured, std::int64_t batch, double other_bytes,
                          const std::string& flags) {
  const double needed = activation_bytes_lower_bound(configured, batch) + other_bytes;
  const double available = physical_memory_bytes();
  if (available <= 0) return;
  char figures[160];
  std::snprintf(figures, sizeof figures, "at least %.1f GiB, this machine has %.1f GiB",
                gib(needed), gib(available));
  TUNAS_REQUIRE(needed <= available, "the run needs ", figures, " (batch ", batch,
                " at resolution ", configured.network.resolution, " in the space ",
                configured.name, "); lower ", flags);
}

}  // namespace tunas::run
