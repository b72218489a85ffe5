// tunas_onnx_reference: the engine's own inference beside an exported model.onnx, for the
// ONNX Runtime check in tests/onnx_export (check_onnx.py compares the two).
//
//   random  --space S --seed K --out DIR [--shape HxWxC] [--resolution R] [--channels C]
//           [--classes N] [--proxy BOOL] [--proxy-layers P] [--images M] [--indices I]
//           [--bench-seconds S]
//       a uniformly drawn architecture of S with random weights, BN parameters and moving
//       statistics, M random uint8 images of shape HxWxC; the network takes RxRxC
//       (pad when R - min(H, W) <= 8, else bilinear: datasets::proxy_preprocess).
//       --indices: that architecture instead of a drawn one. --bench-seconds: then times
//       the engine's inference (batch 1 and M, 1 and 2 threads), one JSON line per row.
//   trained --run DIR --out DIR
//       a finished tunas_train run (resumed from its checkpoint): every image of its
//       evaluation set through tunas_train's evaluation path.
//   weights --space S --indices I --weights FILE --out DIR [--data D] [--synthetic-size N]
//           [--resolution R] [--width-multiplier M] [--proxy BOOL] [--proxy-layers P]
//       the network tunas_arch onnx builds from a weights file (BN statistics from the file or
//       calibrated), exported and evaluated on the data set's test images.
//
// DIR gets model.onnx (random, weights: exported here; trained: the run's own is used),
// images.u8 (M x H x W x C, raw), labels.i32, logits.f32 (M x classes, the engine's) and
// meta.json {images, height, width, channels, classes, correct}.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "core/memory.h"
#include "core/rng.h"
#include "core/threads.h"
#include "datasets/batch_iterator.h"
#include "onnx_export/bn_calibration.h"
#include "onnx_export/export.h"
#include "onnx_export/weights_export.h"
#include "run/option_blocks.h"
#include "run/option_table.h"
#include "run/run_files.h"
#include "search_spaces/catalog.h"
#include "search_spaces/network.h"
#include "train/train_run.h"

namespace {

using namespace tunas;

// Every option of the three modes; 0 (or "") where the default comes from elsewhere.
struct ReferenceOptions {
  std::string space, out, shape = "28x28x1", indices, run, weights;
  std::uint64_t seed = 0;
  int resolution = 32, channels = 0, classes = 10, images = 8;
  double width_multiplier = 1, bench_seconds = 0;
  bool proxy = true;
  int proxy_layers = 2;
  std::string data = "fashion_mnist", data_dir;
  std::int64_t synthetic_size = 0;
};

const OptionTable<ReferenceOptions>& table() {
  using C = ReferenceOptions;
  static const std::vector<std::string> weights_net = {"resolution", "width_multiplier", "proxy",
                                                       "proxy_layers"};
  static const OptionTable<C> t(
      concat<C>({
          {
              option("space", &C::space, "search space: a name or a YAML path"),
              option("indices", &C::indices, "architecture i:j:k:... (random: drawn when unset)"),
              option("out", &C::out, "output directory"),
              option("seed", &C::seed, "random seed of the weights, images and architecture"),
              option("shape", &C::shape, "random images' HxWxC"),
              option("channels", &C::channels, "network input channels (0 = the images')")
                  .in(0, 64),
              option("classes", &C::classes, "logits").in(1, datasets::kMaxClasses),
              option("images", &C::images, "random images").in(1, 100000),
              option("bench_seconds", &C::bench_seconds,
                     "then time the engine's inference, about this long per row (0 = no)")
                  .at_least(0),
              option("run", &C::run, "a finished tunas_train run directory"),
              option("weights", &C::weights, "a weights file (tunas_arch onnx's FILE)"),
          },
          network_options<C>(),
          data_options<C>(),
      }),
      {
          {"random",
           {"space", "seed", "out", "shape", "resolution", "channels", "classes", "proxy",
            "proxy_layers", "images", "indices", "bench_seconds"},
           {"space", "out"},
           "  random  --space S --out DIR [--seed K] [--shape HxWxC] [--images M] ...\n"},
          {"trained", {"run", "out"}, {"run", "out"}, "  trained --run DIR --out DIR\n"},
          {"weights",
           {"space", "indices", "weights", "out", "data", "data_dir", "synthetic_size",
            "resolution", "width_multiplier", "proxy", "proxy_layers"},
           {"space", "weights", "out"},
           "  weights --space S --indices I --weights FILE --out DIR [--data D] ...\n"},
      });
  return t;
}

std::string usage() {
  std::string out = "usage: tunas_onnx_reference <mode> [options] (see the comment atop "
                    "tools/tunas_onnx_reference.cc)\n\nmodes:\n";
  for (const OptionCommand& c : table().commands()) out += c.usage;
  return out + "\noptions:\n" + option_help_block(table().help_lines());
}

template <typename T>
void write_raw(const std::string& path, const T* data, std::size_t count) {
  write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(data), count * sizeof(T)));
}

void write_outputs(const std::string& dir, const datasets::ImageSet& set,
                   const std::vector<float>& logits, std::int64_t correct) {
  write_raw(run::path_join(dir, "images.u8"), set.pixels.data(), set.pixels.size());
  write_raw(run::path_join(dir, "labels.i32"), set.labels.data(), set.labels.size());
  write_raw(run::path_join(dir, "logits.f32"), logits.data(), logits.size());
  Json meta = Json::object();
  meta["images"] = set.size();
  meta["height"] = set.height;
  meta["width"] = set.width;
  meta["channels"] = set.channels;
  meta["classes"] = set.num_classes;
  meta["correct"] = correct;
  const std::string meta_path = run::path_join(dir, "meta.json");
  write_file_atomic(meta_path, json_text(meta, 2, meta_path) + "\n");
}

// Random values where the engine's initialisation leaves constants (BN gamma/beta, biases),
// a classifier with unit-scale logits, and moving statistics drawn around the calibrated
// statistics of `set` (so activations stay in a realistic range and a 1e-4 tolerance on the
// logits means something), so that every exported tensor is exercised.
void randomise(supernet::Supernet& net, std::uint64_t seed, const datasets::ImageSet& set,
               const datasets::PreprocessConfig& pc, const supernet::Masks& masks) {
  Rng rng(seed, stream_id("onnx_reference/randomise"));
  supernet::ParameterStore& params = net.params();
  for (const supernet::ParameterInfo& info : params.infos()) {
    float* p = params.values() + info.offset;
    const std::string& n = info.name;
    auto ends = [&](const std::string& s) {
      return n.size() >= s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0;
    };
    for (std::int64_t i = 0; i < info.size; ++i) {
      if (ends("/gamma")) p[i] = 0.5f + rng.uniform();
      else if (ends("/beta") || ends("/bias")) p[i] = float(0.2 * rng.normal());
      else if (n == "classifier/kernel") p[i] = float(rng.normal() / std::sqrt(info.shape[2]));
    }
  }
  (void)onnx_export::calibrate_bn_statistics(net, masks, set, pc, int(set.size()), 1);
  for (const supernet::BnStatisticsEntry& bn : supernet::bn_statistics_layout(params)) {
    float* mean = net.bn_statistics() + bn.offset;
    float* var = mean + bn.channels;
    for (int c = 0; c < bn.channels; ++c) {
      var[c] *= 0.8f + 0.45f * rng.uniform();
      mean[c] += float(0.1 * rng.normal()) * std::sqrt(var[c]);
    }
  }
}

// The engine's inference path, timed as a deployment would run it: preprocessing of raw
// images + Supernet::evaluate, batch 1 and the whole set, 1 and 2 threads; median of
// repeated calls for about `seconds` per row. One JSON line per row on stdout.
void bench_engine(supernet::Supernet& net, const supernet::Masks& masks,
                  const datasets::ImageSet& set, const datasets::Preprocessor& pre,
                  const Tensor& images, double seconds) {
  using Clock = std::chrono::steady_clock;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (int batch : {1, int(set.size())}) {
      const Tensor part(images.data(), Shape4{batch, images.h(), images.w(), images.c()});
      std::vector<double> ms;
      const auto start = Clock::now();
      while (ms.size() < 5 || std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
        const auto t0 = Clock::now();
        for (int i = 0; i < batch; ++i) pre.run(set.image(i), datasets::Augmentation{}, part, i);
        (void)net.evaluate(part, set.labels.data(), masks);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      std::sort(ms.begin(), ms.end());
      Json row = Json::object();
      row["runtime"] = "tunas-cpp";
      row["threads"] = threads;
      row["batch"] = batch;
      row["ms_per_batch"] = ms[ms.size() / 2];
      row["images_per_second"] = batch * 1000.0 / ms[ms.size() / 2];
      row["runs"] = ms.size();
      std::printf("%s\n", json_text(row, -1, "the output").c_str());
    }
  }
}

int random_mode(const ReferenceOptions& o) {
  const std::string& dir = o.out;
  const std::uint64_t seed = o.seed;
  int h = 28, w = 28, c = 1;
  char rest = 0;
  TUNAS_REQUIRE(std::sscanf(o.shape.c_str(), "%dx%dx%d%c", &h, &w, &c, &rest) == 3 && h > 0 &&
                    w > 0 && c > 0,
                "option --shape must be HxWxC (positive), got '", o.shape, "'");
  const int resolution = o.resolution;
  const int net_channels = o.channels > 0 ? o.channels : c;
  const int classes = o.classes;
  const int proxy = o.proxy ? o.proxy_layers : 0;
  const int count = o.images;

  datasets::ImageSet set;
  set.name = "random";
  set.height = h;
  set.width = w;
  set.channels = c;
  set.num_classes = classes;
  Rng rng(seed, stream_id("onnx_reference/images"));
  for (int k = 0; k < classes; ++k) set.class_names.push_back(str_cat("class_", k));
  for (int k = 0; k < c; ++k) {
    set.norm_mean.push_back(100.f + 50.f * rng.uniform());
    set.norm_std.push_back(40.f + 40.f * rng.uniform());
  }
  set.pixels.resize(std::size_t(count) * h * w * c);
  for (auto& p : set.pixels) p = std::uint8_t(rng.uniform_int(256));
  for (int i = 0; i < count; ++i) set.labels.push_back(std::int32_t(rng.uniform_int(classes)));
  set.validate();

  spaces::Space space = spaces::load_space(o.space);
  spaces::configure_data_network(space, resolution, net_channels, classes, 1.0, proxy);
  // A uniformly drawn architecture the exporter takes (a zero layer outside a residual, or
  // one where the width changes, is redrawn).
  spaces::Indices indices;
  if (!o.indices.empty()) indices = spaces::parse_indices(space, o.indices);
  for (int attempt = 0; indices.empty(); ++attempt) {
    TUNAS_REQUIRE(attempt < 1000, "no exportable architecture in 1000 draws");
    indices = spaces::uniform_indices(space, rng);
    try {
      bool ok = true;
      for (const auto& l : spaces::resolve(space, indices).layers)
        ok = ok && (l.kind != spaces::LayerKind::zero || l.residual);
      if (!ok) indices.clear();
    } catch (const Error&) {
      indices.clear();
    }
  }
  supernet::SupernetConfig nc;
  nc.max_batch = count;
  nc.remat = supernet::RematPolicy::none;
  nc.bn_mode = supernet::BnMode::stateful;
  nc.init_seed = seed;
  supernet::Supernet net(supernet::prune_space(space, indices), nc);
  datasets::PreprocessConfig pc = datasets::proxy_preprocess(set, false, resolution);
  pc.channels = net_channels;
  const datasets::Preprocessor pre(set, pc);
  AlignedPtr<float> buffer = aligned_array<float>(std::size_t(count) * resolution * resolution * net_channels);
  const Tensor images(buffer.get(), Shape4{count, resolution, resolution, net_channels});
  for (int i = 0; i < count; ++i) pre.run(set.image(i), datasets::Augmentation{}, images, i);
  const supernet::Masks masks =
      supernet::masks_from_indices(net.space(), spaces::Indices(std::size_t(net.space().num_decisions()), 0));
  randomise(net, seed, set, pc, masks);

  make_directories(dir);
  onnx_export::export_onnx(run::path_join(dir, "model.onnx"), net, set, pc,
                           onnx_export::model_info(space, o.space, indices));
  const supernet::ReplicaResult r = net.evaluate(images, set.labels.data(), masks);
  const float* logits = net.last_logits();
  write_outputs(dir, set, std::vector<float>(logits, logits + std::size_t(count) * classes), r.correct);
  if (o.bench_seconds > 0) bench_engine(net, masks, set, pre, images, o.bench_seconds);
  std::printf("%s [%s]: %d images %dx%dx%d -> %dx%dx%d, %d classes\n", space.name.c_str(),
              spaces::format_indices(indices).c_str(), count, h, w, c, resolution, resolution,
              net_channels, classes);
  return 0;
}

// tunas_train's evaluation path (train::evaluate_set), keeping the logits: every image of
// `set` once, in order, batches of `batch`.
std::vector<float> engine_logits(supernet::Supernet& net, const supernet::Masks& masks,
                                 const datasets::ImageSet& set, int batch, std::int64_t& correct) {
  const int res = net.space().network.resolution;
  datasets::BatchIteratorConfig ic;
  ic.purpose = "train/eval";
  ic.shuffle = false;
  ic.augment = false;
  ic.cross_epochs = false;
  datasets::BatchIterator it(set, datasets::proxy_preprocess(set, false, res), ic);
  AlignedPtr<float> buffer = aligned_array<float>(std::size_t(batch) * res * res * it.channels());
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  std::vector<float> logits;
  std::int64_t done = 0;
  correct = 0;
  while (done < set.size()) {
    const int k = it.next(Tensor(buffer.get(), Shape4{batch, res, res, it.channels()}), labels.data());
    const supernet::ReplicaResult r =
        net.evaluate(Tensor(buffer.get(), Shape4{k, res, res, it.channels()}), labels.data(), masks);
    for (int i = 0; i < k; ++i)
      TUNAS_CHECK(labels[std::size_t(i)] == set.labels[std::size_t(done + i)], "evaluation order");
    logits.insert(logits.end(), net.last_logits(), net.last_logits() + std::size_t(k) * set.num_classes);
    correct += r.correct;
    done += k;
  }
  return logits;
}

int trained_mode(const ReferenceOptions& o) {
  const std::string& dir = o.out;
  train::TrainConfig config;
  config.out = o.run;
  config.resume = true;
  config.quiet = true;
  train::TrainRun run(config);
  TUNAS_REQUIRE(run.total_steps() > 0, config.out, ": not a finished run");
  std::int64_t correct = 0;
  const std::vector<float> logits =
      engine_logits(run.network(), run.masks(), run.eval_set(), run.config().eval_batch, correct);
  make_directories(dir);
  write_outputs(dir, run.eval_set(), logits, correct);
  std::printf("%s: %lld images, engine top-1 %lld\n", config.out.c_str(),
              (long long)run.eval_set().size(), (long long)correct);
  return 0;
}

int weights_mode(const ReferenceOptions& o) {
  const std::string& dir = o.out;
  onnx_export::WeightsExportConfig c;
  c.space = o.space;
  c.indices = o.indices;
  c.weights = o.weights;
  c.data = o.data;
  c.data_dir = o.data_dir;
  c.synthetic_size = o.synthetic_size;
  c.resolution = o.resolution;
  c.width_multiplier = o.width_multiplier;
  c.proxy_layers = o.proxy ? o.proxy_layers : 0;
  make_directories(dir);
  c.out = run::path_join(dir, "model.onnx");
  onnx_export::WeightsNetwork w = onnx_export::load_weights_network(c);
  (void)onnx_export::export_weights_network(w, c);
  std::int64_t correct = 0;
  const std::vector<float> logits = engine_logits(*w.net, w.masks, w.data.test, c.calibration_batch, correct);
  write_outputs(dir, w.data.test, logits, correct);
  std::printf("%s: %lld test images, engine top-1 %lld (%s)\n", c.weights.c_str(),
              (long long)w.data.test.size(), (long long)correct, w.bn_statistics.c_str());
  return 0;
}

int body(int argc, char** argv) {
  ReferenceOptions options;
  const std::string mode = table().parse_command(options, argc, argv, usage());
  if (mode.empty()) return 0;  // --help
  if (mode == "random") return random_mode(options);
  if (mode == "weights") return weights_mode(options);
  return trained_mode(options);
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("tunas_onnx_reference", &body, argc, argv); }
