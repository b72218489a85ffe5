// Supernet benchmark (STYLE G19, supernet level): one full shared-weight training step =
// sample uniformly random masks -> forward -> backward -> dense TF-1 RMSProp over every weight.
//
//   tunas_bench_supernet [--quick] [--threads N] [--iters N] [--case full|proxy|memory] [--json FILE]
//                        [--indices-file FILE] [--write-indices FILE]
//
// --indices-file FILE replays architectures instead of sampling them: one index string
// ("i:j:k:...", spaces::parse_indices) per line, L lines; warm-up step w runs line w mod L and
// timed step j line j mod L (0-based), as benchmarks/pytorch_reference/bench_step.py does with
// the same file, so both time the same architecture sequence. --write-indices FILE
// writes --iters uniformly sampled index strings of proxylessnas_search (seed 7) and exits.
//
// Cases:
//   step_full   proxylessnas_search, 224x224x3, batch 16, 1001 classes
//   step_proxy  proxylessnas_search, 32x32x1, stem and first stride-2 bottleneck at stride 1,
//               batch 128, 10 classes
//   memory      proxylessnas_enlarged_search, 224x224x3, batch 16: arena high-water and time of
//               an op-warm-up step (every op node 1/n, widths at their max) with and without
//               remat, and of a single-path step (one-hot, widths at their max).
// The correctness check before timing: the loss is finite and the gradient is non-zero.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "run/option_table.h"
#include "core/files.h"
#include "core/memory.h"
#include "core/rng.h"
#include "core/threads.h"
#include "kernels/optim/optim.h"
#include "search_spaces/catalog.h"
#include "search_spaces/indices.h"
#include "supernet/supernet.h"

namespace tunas {
namespace {

using Clock = std::chrono::steady_clock;
using supernet::Masks;
using supernet::RematPolicy;
using supernet::Supernet;
using supernet::SupernetConfig;

struct Options {
  bool quick = false;
  int threads = 2;
  int iters = 0;
  std::string json;
  std::string only;  // --case full|proxy|memory: run one case (profiling)
  std::string indices_file, write_indices;
};

// The lines of an --indices-file (empty lines and '#' comments skipped).
std::vector<std::string> read_index_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    lines.push_back(line);
  }
  TUNAS_REQUIRE(!lines.empty(), "--indices-file ", path, ": no index strings");
  return lines;
}

// The masks of every line, parsed against `space` (errors name the file and line).
std::vector<Masks> replay_masks(const spaces::Space& space, const std::string& path,
                                const std::vector<std::string>& lines) {
  std::vector<Masks> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    try {
      out.push_back(supernet::masks_from_indices(space, spaces::parse_indices(space, lines[i])));
    } catch (const Error& e) {
      throw Error(str_cat(path, ":", i + 1, ": ", e.what()));
    }
  }
  return out;
}

struct Inputs {
  std::vector<float> images;
  std::vector<std::int32_t> labels;
};

Inputs make_inputs(const spaces::Space& s, int batch) {
  Rng rng(1, stream_id("bench-inputs"));
  Inputs in;
  in.images.resize(std::size_t(batch) * s.network.resolution * s.network.resolution *
                   s.network.input_channels);
  for (float& v : in.images) v = float(rng.normal());
  for (int i = 0; i < batch; ++i)
    in.labels.push_back(std::int32_t(rng.uniform_int(std::uint32_t(s.network.classes))));
  return in;
}

Masks random_masks(const spaces::Space& s, Rng& rng) {
  std::vector<int> idx;
  for (const auto& d : s.decisions) idx.push_back(int(rng.uniform_int(std::uint32_t(d.size()))));
  return supernet::masks_from_indices(s, idx);
}

// Optimizer state of the dense RMSProp (spec §6.3).
struct RmsProp {
  AlignedPtr<float> ms, mom;
  std::int64_t n = 0;
  explicit RmsProp(std::int64_t count) : ms(aligned_array<float>(std::size_t(count))),
                                         mom(aligned_array<float>(std::size_t(count))), n(count) {
    std::fill(ms.get(), ms.get() + count, kernels::kRmsPropInitialMeanSquare);
  }
  void step(supernet::ParameterStore& p, float lr) {
    kernels::f32_rmsprop_update(n, p.values(), ms.get(), mom.get(), p.grads(), lr,
                                kernels::kRmsPropDecay, kernels::kRmsPropMomentum,
                                kernels::kRmsPropEpsilon);
  }
};

struct StepResult {
  double images_per_s = 0, step_s = 0, build_s = 0;
  std::int64_t params = 0;
  std::size_t arena_capacity = 0;
};

// The "step_s", "images_per_s", "build_s" and "arena_bytes" JSON fields of a step case.
std::string step_fields(const StepResult& r) {
  return str_cat(", \"step_s\": ", r.step_s, ", \"images_per_s\": ", r.images_per_s,
                 ", \"build_s\": ", r.build_s, ", \"arena_bytes\": ", r.arena_capacity);
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}


// replay: the architectures of an --indices-file (empty: sample uniformly).
StepResult bench_step(const char* label, spaces::Space space, int batch, int iters,
                      const std::vector<Masks>& replay) {
  SupernetConfig config;
  config.max_batch = batch;
  config.remat = RematPolicy::switches;
  const auto t_build = Clock::now();
  Supernet net(space, config);
  StepResult r;
  r.build_s = seconds_since(t_build);
  r.params = net.params().size();
  r.arena_capacity = net.arena().capacity();
  RmsProp opt(net.params().size());
  Inputs in = make_inputs(space, batch);
  const Tensor images(in.images.data(), Shape4{batch, space.network.resolution,
                                               space.network.resolution,
                                               space.network.input_channels});
  Rng rng(7, stream_id("bench-masks"));
  // correctness check + warm-up
  net.params().zero_grads();
  const auto res = net.train_replica(
      images, in.labels.data(), replay.empty() ? random_masks(space, rng) : replay[0],
      1.f);
  double norm = 0;
  for (std::int64_t i = 0; i < net.params().size(); ++i) norm += std::fabs(net.params().grads()[i]);
  TUNAS_CHECK(std::isfinite(res.loss) && norm > 0, "benchmark check failed: loss ", res.loss);
  opt.step(net.params(), 0.01f);
  std::vector<double> times;
  for (int it = 0; it < iters; ++it) {
    // sampling is part of the step
    const Masks masks =
        replay.empty() ? random_masks(space, rng) : replay[std::size_t(it) % replay.size()];
    const auto t0 = Clock::now();
    net.params().zero_grads();
    (void)net.train_replica(images, in.labels.data(), masks, 1.f);
    opt.step(net.params(), 0.01f);
    times.push_back(seconds_since(t0));
  }
  r.step_s = median(times);
  r.images_per_s = batch / r.step_s;
  std::printf("%-34s batch %4d  %8.3f s/step  %8.1f images/s  (params %lld, arena %.1f MiB, build %.1f s)\n",
              label, batch, r.step_s, r.images_per_s, (long long)r.params,
              double(r.arena_capacity) / (1 << 20), r.build_s);
  std::fflush(stdout);
  return r;
}

struct MemResult {
  std::size_t high_water = 0;
  double step_s = 0;
  std::size_t rss = 0;
};

MemResult bench_memory(const char* label, const spaces::Space& space, int batch, RematPolicy remat,
                       bool op_warmup, int iters) {
  SupernetConfig config;
  config.max_batch = batch;
  config.remat = remat;
  Supernet net(space, config);
  Inputs in = make_inputs(space, batch);
  const Tensor images(in.images.data(), Shape4{batch, space.network.resolution,
                                               space.network.resolution,
                                               space.network.input_channels});
  std::vector<int> largest;
  for (const auto& d : space.decisions) largest.push_back(d.largest_choice);
  const Masks masks = supernet::warmup_masks(space, largest, op_warmup, true);
  MemResult r;
  std::vector<double> times;
  for (int it = 0; it < iters; ++it) {
    const auto t0 = Clock::now();
    net.params().zero_grads();
    (void)net.train_replica(images, in.labels.data(), masks, 1.f);
    times.push_back(seconds_since(t0));
  }
  r.high_water = net.arena().high_water();
  r.step_s = median(times);
  r.rss = current_rss_bytes();
  std::printf("%-34s batch %4d  %8.3f s/step  arena high-water %8.1f MiB  (RSS now %.1f MiB)\n",
              label, batch, r.step_s, double(r.high_water) / (1 << 20), double(r.rss) / (1 << 20));
  std::fflush(stdout);
  return r;
}

const OptionTable<Options>& table() {
  using C = Options;
  static const OptionTable<C> t({
      option("quick", &C::quick, "2 timed steps per case (default 5)"),
      option("threads", &C::threads, "threads").in(1, 1024),
      option("iters", &C::iters, "timed steps per case (0 = 2 with --quick, else 5)").at_least(0),
      option("case", &C::only, "run one case (profiling)").one_of({"", "full", "proxy", "memory"}),
      option("json", &C::json, "write the results as JSON to this file"),
      option("indices_file", &C::indices_file, "replay these index strings, one per line"),
      option("write_indices", &C::write_indices,
             "write --iters sampled index strings of proxylessnas_search here and exit"),
  });
  return t;
}

int body(int argc, char** argv) {
  Options opt;
  if (!table().parse_tool(opt, argc, argv, "usage: tunas_bench_supernet [options]\n")) return 0;
  set_num_threads(opt.threads);
  const int iters = opt.iters > 0 ? opt.iters : (opt.quick ? 2 : 5);
  std::printf("tunas_bench_supernet: %d threads, %d timed steps per case\n", num_threads(), iters);

  if (!opt.write_indices.empty()) {
    const spaces::Space space = spaces::load_space("proxylessnas_search");
    Rng rng(7, stream_id("bench-masks"));
    std::string text;
    for (int i = 0; i < iters; ++i)
      text += spaces::format_indices(spaces::uniform_indices(space, rng)) + "\n";
    write_file_atomic(opt.write_indices, text);
    std::printf("wrote %d index strings of proxylessnas_search to %s\n", iters,
                opt.write_indices.c_str());
    return 0;
  }
  const std::vector<std::string> index_lines =
      opt.indices_file.empty() ? std::vector<std::string>{} : read_index_lines(opt.indices_file);
  spaces::Space full = spaces::load_space("proxylessnas_search");
  {
    spaces::NetworkConfig c;
    c.resolution = opt.quick ? 112 : 224;
    spaces::configure_network(full, c);
  }
  const int full_batch = 16;
  const bool all = opt.only.empty();
  StepResult step_full;
  if (all || opt.only == "full")
    step_full = bench_step("step_full proxylessnas_search", full, full_batch, iters,
                           replay_masks(full, opt.indices_file, index_lines));

  spaces::Space proxy = spaces::load_space("proxylessnas_search");
  {
    spaces::NetworkConfig c;
    c.resolution = 32;
    c.input_channels = 1;
    c.classes = 10;
    c.stride_overrides["blocks/0/layers/0"] = 1;  // stem
    c.stride_overrides["blocks/2/layers/0"] = 1;  // first stride-2 bottleneck
    spaces::configure_network(proxy, c);
  }
  const int proxy_batch = opt.quick ? 32 : 128;
  StepResult step_proxy;
  if (all || opt.only == "proxy")
    step_proxy = bench_step("step_proxy (32x32x1, 10 classes)", proxy, proxy_batch, iters,
                            replay_masks(proxy, opt.indices_file, index_lines));
  if (!all && opt.only != "memory") {
    if (!opt.json.empty()) {  // the one step case that ran
      const bool is_full = opt.only == "full";
      write_file_atomic(opt.json,
                        str_cat("{\n  \"threads\": ", num_threads(), ",\n  \"case\": \"", opt.only,
                                "\",\n  \"batch\": ", is_full ? full_batch : proxy_batch,
                                step_fields(is_full ? step_full : step_proxy),
                                ",\n  \"indices_file\": \"", opt.indices_file, "\"\n}\n"));
    }
    return 0;
  }

  spaces::Space enlarged = spaces::load_space("proxylessnas_enlarged_search");
  {
    spaces::NetworkConfig c;
    c.resolution = opt.quick ? 112 : 224;
    spaces::configure_network(enlarged, c);
  }
  const int mem_batch = opt.quick ? 4 : 16;
  const int mem_iters = opt.quick ? 1 : 2;
  const MemResult single = bench_memory("memory single-path (remat)", enlarged, mem_batch,
                                        RematPolicy::switches, false, mem_iters);
  const MemResult warm_remat = bench_memory("memory op-warm-up, remat", enlarged, mem_batch,
                                            RematPolicy::switches, true, mem_iters);
  const MemResult warm_plain = bench_memory("memory op-warm-up, no remat", enlarged, mem_batch,
                                            RematPolicy::none, true, mem_iters);
  const double peak_ratio = double(warm_remat.high_water) / double(single.high_water);
  const double overhead = warm_remat.step_s / warm_plain.step_s - 1.0;
  std::printf("remat peak / single-path peak = %.3f (target <= 1.3); no-remat peak / single-path = %.3f\n",
              peak_ratio, double(warm_plain.high_water) / double(single.high_water));
  std::printf("remat time overhead (op-warm-up step) = %.1f%% (target <= 30%%)\n", 100 * overhead);
  std::printf("peak RSS of the process: %.1f MiB\n", double(peak_rss_bytes()) / (1 << 20));

  if (!opt.json.empty()) {
    std::ofstream f(opt.json);
    TUNAS_REQUIRE(f.good(), "--json: cannot write '", opt.json, "'");
    f << "{\n"
      << "  \"threads\": " << num_threads() << ",\n"
      << "  \"quick\": " << (opt.quick ? "true" : "false") << ",\n"
      << "  \"images_per_s\": " << step_full.images_per_s << ",\n"
      << "  \"step_full\": {\"space\": \"proxylessnas_search\", \"resolution\": "
      << full.network.resolution << ", \"batch\": " << full_batch << step_fields(step_full)
      << "},\n"
      << "  \"step_proxy\": {\"resolution\": 32, \"channels\": 1, \"classes\": 10, \"batch\": "
      << proxy_batch << step_fields(step_proxy) << "},\n"
      << "  \"indices_file\": \"" << opt.indices_file << "\",\n"
      << "  \"memory\": {\"space\": \"proxylessnas_enlarged_search\", \"resolution\": "
      << enlarged.network.resolution << ", \"batch\": " << mem_batch
      << ", \"single_path_arena_bytes\": " << single.high_water
      << ", \"warmup_remat_arena_bytes\": " << warm_remat.high_water
      << ", \"warmup_no_remat_arena_bytes\": " << warm_plain.high_water
      << ", \"single_path_step_s\": " << single.step_s
      << ", \"warmup_remat_step_s\": " << warm_remat.step_s
      << ", \"warmup_no_remat_step_s\": " << warm_plain.step_s
      << ", \"peak_rss_bytes\": " << peak_rss_bytes() << "},\n"
      << "  \"remat_peak_over_single_path\": " << peak_ratio << ",\n"
      << "  \"remat_time_overhead\": " << overhead << ",\n"
      << "  \"pytorch_images_per_s\": null,\n"
      << "  \"ratio_vs_pytorch\": null\n"
      << "}\n";
  }
  return 0;
}

}  // namespace
}  // namespace tunas

int main(int argc, char** argv) { return tunas::run_main("tunas_bench_supernet", tunas::body, argc, argv); }
