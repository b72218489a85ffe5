// onnx_export/: the graph's structure (op types, depthwise groups, TF-SAME pads, BN in
// inference form, input/output, metadata) checked by reading the written file back and by
// onnx::checker, and the error paths (checker failure, unwritable path, a refused layer,
// weights of another architecture) writing nothing. The numerics are checked against ONNX
// Runtime by run_onnx_check.sh (ctest onnx_export_ort_*).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include "core/error.h"
#include "core/files.h"
#include "datasets/synthetic.h"
#include "onnx/checker.h"
#include "onnx_export/bn_calibration.h"
#include "onnx_export/onnx_model.h"
#include "onnx_export/weights_export.h"
#include "run/weights_file.h"
#include "search_spaces/catalog.h"

namespace fs = std::filesystem;
using namespace tunas;

namespace {

const std::string kUserSpace = std::string(TUNAS_SOURCE_DIR) + "/tests/onnx_export/onnx_user_space.yaml";
// conv k5 s2 (30 -> 15: TF-SAME pads 1 before, 2 after), sepconv k7, bottleneck with SE on,
// widths 24 and 32.
const std::string kUserIndices = "1:0:2:1:1:1:0:1:0:1:0";

std::string temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("tunas_onnx_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

datasets::ImageSet image_set(int h, int w, int c, int classes) {
  datasets::SyntheticConfig sc;
  sc.train_count = 8;
  sc.test_count = 8;
  sc.height = h;
  sc.width = w;
  sc.channels = c;
  sc.num_classes = classes;
  return datasets::make_synthetic(sc).test;
}

struct Exported {
  spaces::Space space;
  std::unique_ptr<supernet::Supernet> net;
  datasets::ImageSet set;
};

Exported user_network(const std::string& space_path, const std::string& indices_text, int h,
                      int w, int c, int resolution, int classes) {
  Exported e;
  e.space = spaces::load_space(space_path);
  e.set = image_set(h, w, c, classes);
  spaces::configure_data_network(e.space, resolution, c, classes, 1.0, 0);
  supernet::SupernetConfig nc;
  nc.max_batch = 2;
  nc.remat = supernet::RematPolicy::none;
  nc.bn_mode = supernet::BnMode::stateful;
  e.net = std::make_unique<supernet::Supernet>(
      supernet::prune_space(e.space, spaces::parse_indices(e.space, indices_text)), nc);
  return e;
}

const onnx::NodeProto* find_node(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& n : g.node())
    if (n.name() == name) return &n;
  return nullptr;
}

std::vector<std::int64_t> ints(const onnx::NodeProto& n, const std::string& attr) {
  for (const auto& a : n.attribute())
    if (a.name() == attr) return {a.ints().begin(), a.ints().end()};
  return {};
}

std::int64_t int_attr(const onnx::NodeProto& n, const std::string& attr) {
  for (const auto& a : n.attribute())
    if (a.name() == attr) return a.i();
  return -1;
}

}  // namespace

TEST_CASE("onnx_export: the written file reads back with the documented graph and passes onnx::checker") {
  Exported e = user_network(kUserSpace, kUserIndices, 30, 30, 3, 30, 7);
  const std::string dir = temp_dir("structure");
  const std::string path = dir + "/model.onnx";
  onnx_export::ModelInfo info = onnx_export::model_info(e.space, kUserSpace, spaces::parse_indices(e.space, kUserIndices));
  onnx_export::export_onnx(path, *e.net, e.set, datasets::proxy_preprocess(e.set, false, 30), info);
  const onnx::ModelProto m = onnx_export::read_onnx_model(path);
  CHECK_NOTHROW(onnx::checker::check_model(m));
  CHECK(m.opset_import(0).version() == onnx_export::kOpsetVersion);
  CHECK(m.opset_import(0).version() >= 13);
  const onnx::GraphProto& g = m.graph();
  REQUIRE(g.input_size() == 1);
  REQUIRE(g.output_size() == 1);
  CHECK(g.input(0).name() == "images");
  CHECK(g.output(0).name() == "logits");
  const auto& in_shape = g.input(0).type().tensor_type().shape();
  REQUIRE(in_shape.dim_size() == 4);
  CHECK(in_shape.dim(1).dim_value() == 3);
  CHECK(in_shape.dim(2).dim_value() == 30);
  CHECK(g.output(0).type().tensor_type().shape().dim(1).dim_value() == 7);

  std::map<std::string, int> ops;
  for (const auto& n : g.node()) ++ops[n.op_type()];
  for (const char* op : {"Conv", "BatchNormalization", "Relu", "Clip", "HardSwish", "Sigmoid",
                         "GlobalAveragePool", "Mul", "Add", "Gemm", "Sub"})
    CHECK_MESSAGE(ops[op] > 0, op);
  // The stem: k5 s2 on 30x30 -> 15x15, TF-SAME: 1 before, 2 after (top, left, bottom, right).
  const onnx::NodeProto* stem = find_node(g, "blocks/0/layers/0/k5/conv");
  REQUIRE(stem != nullptr);
  CHECK(ints(*stem, "pads") == std::vector<std::int64_t>{1, 1, 2, 2});
  CHECK(ints(*stem, "strides") == std::vector<std::int64_t>{2, 2});
  CHECK(stem->input_size() == 3);  // no BN: a bias
  // The sepconv's depthwise k7 on 16 channels: group = channels.
  const onnx::NodeProto* dw = find_node(g, "blocks/1/layers/0/depthwise/k7/conv");
  REQUIRE(dw != nullptr);
  CHECK(int_attr(*dw, "group") == 16);
  // BN in inference form on the moving statistics.
  const onnx::NodeProto* bn = find_node(g, "blocks/1/layers/0/depthwise/k7/bn");
  REQUIRE(bn != nullptr);
  CHECK(bn->op_type() == "BatchNormalization");
  CHECK(bn->input(3) == "blocks/1/layers/0/depthwise/k7/bn/moving_mean");

  std::map<std::string, std::string> meta;
  for (const auto& p : m.metadata_props()) meta[p.key()] = p.value();
  CHECK(meta["tunas.indices"] == kUserIndices);
  CHECK(meta["tunas.space"] == kUserSpace);
  CHECK(meta["tunas.cost_model"] == "macs");  // a user space has no Pixel-1 weights
  CHECK(meta["tunas.class_names"].find("class_6") != std::string::npos);
  CHECK(meta["tunas.preprocessing"].find("\"resize\": \"pad\"") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("onnx_export: a model onnx::checker rejects, or an unwritable path, writes nothing") {
  Exported e = user_network(kUserSpace, kUserIndices, 30, 30, 3, 30, 7);
  onnx::ModelProto m = onnx_export::build_onnx_model(
      *e.net, e.set, datasets::proxy_preprocess(e.set, false, 30), {});
  const std::string dir = temp_dir("errors");
  SUBCASE("checker") {
    m.mutable_graph()->mutable_node(0)->set_input(0, "no_such_tensor");
    const std::string path = dir + "/bad.onnx";
    try {
      onnx_export::write_onnx_model(path, m);
      FAIL("no error");
    } catch (const Error& err) {
      CHECK(std::string(err.what()).find(path) != std::string::npos);
      CHECK(std::string(err.what()).find("onnx::checker") != std::string::npos);
    }
    CHECK_FALSE(fs::exists(path));
  }
  SUBCASE("unwritable") {
    const std::string path = dir + "/missing/dir/model.onnx";
    try {
      onnx_export::write_onnx_model(path, m);
      FAIL("no error");
    } catch (const Error& err) {
      CHECK(std::string(err.what()).find("cannot write the ONNX model to " + path) != std::string::npos);
    }
    CHECK_FALSE(fs::exists(path));
  }
  fs::remove_all(dir);
}

TEST_CASE("onnx_export: a zero layer outside a residual is refused, naming the layer") {
  const std::string dir = temp_dir("zero");
  const std::string yaml = dir + "/zero_space.yaml";
  write_file_atomic(yaml, R"(name: zero_space
filters_base: 8
network: {resolution: 8, input_channels: 1, classes: 3}
blocks:
  - filters: 8
    layers:
      - conv: {kernel_size: 3}
      - one_of:
          - conv: {kernel_size: 1}
          - zero
      - global_avg_pool
)");
  Exported e = user_network(yaml, "1:0", 8, 8, 1, 8, 3);
  try {
    (void)onnx_export::build_onnx_model(*e.net, e.set, datasets::proxy_preprocess(e.set, false, 8), {});
    FAIL("no error");
  } catch (const Error& err) {
    CHECK(std::string(err.what()).find("blocks/0/layers/1") != std::string::npos);
    CHECK(std::string(err.what()).find("zero") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("onnx_export: weights of another architecture name the file; nothing is written") {
  const std::string dir = temp_dir("mismatch");
  Exported e = user_network(kUserSpace, kUserIndices, 16, 16, 1, 16, 10);
  onnx_export::WeightsExportConfig c;
  c.space = kUserSpace;
  c.data = "synthetic";
  c.synthetic_size = 40;
  c.resolution = 16;
  c.proxy_layers = 0;
  c.weights = dir + "/weights.bin";
  c.out = dir + "/model.onnx";
  // The synthetic set is 28x28x1 with 10 classes; the network is built at 16 (bilinear).
  spaces::Space space = spaces::load_space(kUserSpace);
  spaces::configure_data_network(space, 16, 1, 10, 1.0, 0);
  supernet::SupernetConfig nc;
  nc.max_batch = 2;
  nc.bn_mode = supernet::BnMode::stateful;
  supernet::Supernet a(supernet::prune_space(space, spaces::parse_indices(space, kUserIndices)), nc);
  run::write_weights_file(c.weights, a.params(), kUserSpace, kUserIndices, a.bn_statistics());

  c.indices = "1:0:1:1:1:1:0:1:0:1:0";  // sepconv k5, not k7
  try {
    (void)onnx_export::export_weights_onnx(c);
    FAIL("no error");
  } catch (const Error& err) {
    CHECK(std::string(err.what()).find(c.weights) != std::string::npos);
  }
  CHECK_FALSE(fs::exists(c.out));

  c.indices = kUserIndices;  // the file's own architecture exports, its BN statistics used
  const Json summary = onnx_export::export_weights_onnx(c);
  CHECK(summary.dump().find("moving statistics of") != std::string::npos);
  CHECK(fs::exists(c.out));
  fs::remove_all(dir);
}

TEST_CASE("onnx_export: calibrated BN statistics are the batch mean and unbiased variance") {
  // One batch holding the whole set, so the iterator's order does not matter; the stem BN's
  // statistics against a direct double-precision conv over the preprocessed images.
  const std::string dir = temp_dir("calibration");
  const std::string yaml = dir + "/stem_space.yaml";
  write_file_atomic(yaml, R"(name: stem_space
filters_base: 8
network: {resolution: 8, input_channels: 1, classes: 3}
blocks:
  - filters: 8
    layers:
      - conv: {kernel_size: 3, strides: 2}
      - global_avg_pool
)");
  Exported e = user_network(yaml, "", 8, 8, 1, 8, 3);
  const int n = int(e.set.size()), k = 3, cout = 8, res = 8, out = 4;
  supernet::SupernetConfig nc;
  nc.max_batch = n;
  nc.remat = supernet::RematPolicy::none;
  nc.bn_mode = supernet::BnMode::stateful;
  supernet::Supernet net(supernet::prune_space(e.space, {0}), nc);
  const supernet::Masks masks = supernet::masks_from_indices(net.space(), {0});
  const datasets::PreprocessConfig pc = datasets::proxy_preprocess(e.set, false, res);
  CHECK(onnx_export::calibrate_bn_statistics(net, masks, e.set, pc, n, 1) == n);

  const datasets::Preprocessor pre(e.set, pc);
  std::vector<float> images(std::size_t(n) * res * res);
  const Tensor t(images.data(), Shape4{n, res, res, 1});
  for (int i = 0; i < n; ++i) pre.run(e.set.image(i), datasets::Augmentation{}, t, i);
  const supernet::ParameterInfo* w = net.params().find("blocks/0/layers/0/k3/kernel");
  REQUIRE(w != nullptr);
  const float* kernel = net.params().values() + w->offset;  // HWIO [3][3][1][8]
  const supernet::BnStatisticsEntry bn = supernet::bn_statistics_layout(net.params()).at(0);
  CHECK(bn.prefix == "blocks/0/layers/0/k3/bn");
  for (int c = 0; c < cout; ++c) {
    std::vector<double> z;
    for (int i = 0; i < n; ++i)
      for (int oy = 0; oy < out; ++oy)
        for (int ox = 0; ox < out; ++ox) {
          double s = 0;  // 8 -> 4 at stride 2, k 3: TF-SAME pads 0 before, 1 after
          for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx) {
              const int y = oy * 2 + ky, x = ox * 2 + kx;
              if (y < res && x < res)
                s += double(images[(std::size_t(i) * res + y) * res + x]) * kernel[(ky * k + kx) * cout + c];
            }
          z.push_back(s);
        }
    double mean = 0, m2 = 0;
    for (double v : z) mean += v / double(z.size());
    for (double v : z) m2 += (v - mean) * (v - mean);
    const double var = m2 / double(z.size() - 1);
    const float* stats = net.bn_statistics() + bn.offset;
    CHECK(stats[c] == doctest::Approx(mean).epsilon(1e-4).scale(1.0));
    CHECK(stats[cout + c] == doctest::Approx(var).epsilon(1e-4));
  }
  fs::remove_all(dir);
}
