// tunas_onnx_reference: the engine's own inference beside an exported model.onnx, for the
// ONNX Runtime check in tests/onnx_export (check_onnx.py compares the two).
//
//   random  --space S --seed K --out DIR [--shape HxWxC] [--resolution R] [--channels C]
//           [--classes N] [--proxy P] [--images M] [--indices I] [--bench-seconds S]
//       a uniformly drawn architecture of S with random weights, BN parameters and moving
//       statistics, M random uint8 images of shape HxWxC; the network takes RxRxC
//       (pad when R - min(H, W) <= 8, else bilinear: datasets::proxy_preprocess).
//       --indices: that architecture instead of a drawn one. --bench-seconds: then times
//       the engine's inference (batch 1 and M, 1 and 2 threads), one JSON line per row.
//   trained --run DIR --out DIR
//       a finished tunas_train run (resumed from its checkpoint): every image of its
//       evaluation set through tunas_train's evaluation path.
//   weights --space S --indices I --weights FILE --out DIR [--data D] [--synthetic-size N]
//           [--resolution R] [--width-multiplier M] [--proxy P]
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
#include <map>
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
#include "run/run_files.h"
#include "search_spaces/catalog.h"
#include "search_spaces/network.h"
#include "train/train_run.h"

namespace {

using namespace tunas;

std::map<std::string, std::string> parse(int argc, char** argv, int first) {
  std::map<std::string, std::string> o;
  for (int i = first; i < argc; i += 2) {
    const std::string key = argv[i];
    TUNAS_REQUIRE(key.rfind("--", 0) == 0 && i + 1 < argc, "expected --name value, got '", key, "'");
    o[key.substr(2)] = argv[i + 1];
  }
  return o;
}

std::string get(const std::map<std::string, std::string>& o, const std::string& k,
                const std::string& fallback) {
  const auto it = o.find(k);
  if (it != o.end()) return it->second;
  TUNAS_REQUIRE(!fallback.empty(), "missing --", k);
  return fallback;
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
  write_file_atomic(run::path_join(dir, "meta.json"), meta.dump(2) + "\n");
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
      std::printf("%s\n", row.dump().c_str());
    }
  }
}

int random_mode(const std::map<std::string, std::string>& o) {
  const std::string dir = get(o, "out", "");
  const std::uint64_t seed = std::stoull(get(o, "seed", "0"));
  int h = 28, w = 28, c = 1;
  TUNAS_REQUIRE(std::sscanf(get(o, "shape", "28x28x1").c_str(), "%dx%dx%d", &h, &w, &c) == 3,
                "--shape must be HxWxC");
  const int resolution = std::stoi(get(o, "resolution", "32"));
  const int net_channels = std::stoi(get(o, "channels", std::to_string(c)));
  const int classes = std::stoi(get(o, "classes", "10"));
  const int proxy = std::stoi(get(o, "proxy", "2"));
  const int count = std::stoi(get(o, "images", "8"));

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

  spaces::Space space = spaces::load_space(get(o, "space", ""));
  spaces::configure_data_network(space, resolution, net_channels, classes, 1.0, proxy);
  // A uniformly drawn architecture the exporter takes (a zero layer outside a residual, or
  // one where the width changes, is redrawn).
  spaces::Indices indices;
  if (o.count("indices")) indices = spaces::parse_indices(space, o.at("indices"));
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
                           onnx_export::model_info(space, get(o, "space", ""), indices));
  const supernet::ReplicaResult r = net.evaluate(images, set.labels.data(), masks);
  const float* logits = net.last_logits();
  write_outputs(dir, set, std::vector<float>(logits, logits + std::size_t(count) * classes), r.correct);
  if (o.count("bench-seconds")) bench_engine(net, masks, set, pre, images, std::stod(o.at("bench-seconds")));
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

int trained_mode(const std::map<std::string, std::string>& o) {
  const std::string dir = get(o, "out", "");
  train::TrainConfig config;
  config.out = get(o, "run", "");
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

int weights_mode(const std::map<std::string, std::string>& o) {
  const std::string dir = get(o, "out", "");
  onnx_export::WeightsExportConfig c;
  c.space = get(o, "space", "");
  c.indices = o.count("indices") ? o.at("indices") : "";
  c.weights = get(o, "weights", "");
  c.data = get(o, "data", c.data);
  c.synthetic_size = std::stoll(get(o, "synthetic-size", "0"));
  c.resolution = std::stoi(get(o, "resolution", std::to_string(c.resolution)));
  c.width_multiplier = std::stod(get(o, "width-multiplier", "1"));
  c.proxy_layers = std::stoi(get(o, "proxy", std::to_string(c.proxy_layers)));
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
  TUNAS_REQUIRE(argc >= 2, "usage: tunas_onnx_reference random|trained|weights --name value ...");
  const std::string mode = argv[1];
  const auto options = parse(argc, argv, 2);
  if (mode == "random") return random_mode(options);
  if (mode == "weights") return weights_mode(options);
  TUNAS_REQUIRE(mode == "trained", "unknown mode '", mode, "' (random, trained, weights)");
  return trained_mode(options);
}

}  // namespace

int main(int argc, char** argv) { return tunas::run_main("tunas_onnx_reference", &body, argc, argv); }
