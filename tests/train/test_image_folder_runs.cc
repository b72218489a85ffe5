// End to end on a generated image folder: tunas_search and tunas_train stream JPEG/PNG files
// (datasets/image_stream.h), record the classes in params.json, and a resumed search continues
// on the same images (bit-for-bit equal to an uninterrupted run).
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>

#include "core/error.h"
#include "core/files.h"
#include "run/checkpoint.h"
#include "search/search_config.h"
#include "search/search_run.h"
#include "tests/datasets/dataset_files.h"
#include "tests/datasets/image_writers.h"
#include "train/train_config.h"
#include "train/train_run.h"
#include "tests/common/tiny_runs.h"

namespace fs = std::filesystem;
using tunas::search::SearchConfig;
using tunas::search::SearchRun;

namespace {

// DIR/train: 3 classes x 10 images (JPEG and PNG, 20-60 pixels); DIR/val: 3 x 2.
void write_folder(const std::string& dir) {
  tunas::test::write_colour_folder(dir + "/train", {"red", "green", "blue"}, {10, 10, 10});
  tunas::test::write_colour_folder(dir + "/val", {"red", "green", "blue"}, {2, 2, 2});
}

SearchConfig search_config(const std::string& data_dir, const std::string& out) {
  SearchConfig c = tunas::test::tiny_search_config(out);
  c.data = "imagefolder";
  c.data_dir = data_dir;
  c.synthetic_size = SearchConfig().synthetic_size;
  c.validation_size = 6;
  c.steps = 6;
  c.batch = 4;
  c.log_every = 1;
  c.checkpoint_every = 3;
  c.policy_lr.reset();
  c.seed = 7;
  c.threads = 2;
  return c;
}

}  // namespace

TEST_CASE("image folder: a search runs, and a resumed one ends bit for bit where a straight one ends") {
  tunas::test::TempDir root;
  write_folder(root.file("data"));
  const SearchConfig straight_config = search_config(root.file("data"), root.file("straight"));
  {
    SearchRun run(straight_config);
    const auto outcome = run.run();
    CHECK(outcome.steps_done == 6);
  }
  SearchConfig resumed_config = search_config(root.file("data"), root.file("resumed"));
  {
    SearchRun first(resumed_config);
    CHECK(first.run(3).steps_done == 3);
  }
  resumed_config.resume = true;
  resumed_config.threads = 1;  // the thread count changes nothing
  {
    SearchRun second(resumed_config);
    CHECK(second.run().steps_done == 6);
  }
  const auto a = tunas::run::read_checkpoint(root.file("straight/checkpoint.bin"));
  const auto b = tunas::run::read_checkpoint(root.file("resumed/checkpoint.bin"));
  for (const char* section : {"supernet/weights", "controller", "data/train_iterator", "data/valid_iterator"}) {
    CAPTURE(section);
    CHECK(a.get(section) == b.get(section));
  }
  const YAML::Node params = YAML::LoadFile(root.file("straight/params.json"));
  CHECK(params["data"].as<std::string>() == "imagefolder");
  CHECK(params["resolved"]["classes"].as<int>() == 3);
  CHECK(params["resolved"]["class_names"].as<std::vector<std::string>>() ==
        std::vector<std::string>{"blue", "green", "red"});
  CHECK(params["resolved"]["train_images"].as<int>() == 24);
  CHECK(params["resolved"]["validation_images"].as<int>() == 6);
  CHECK(params["resolved"]["input_shape"][2].as<int>() == 3);
}

TEST_CASE("image folder: stand-alone training evaluates on val/, with the 1001-style widening") {
  tunas::test::TempDir root;
  write_folder(root.file("data"));
  tunas::train::TrainConfig c = tunas::test::tiny_train_config(root.file("train"));
  c.data = "imagefolder";
  c.data_dir = root.file("data");
  c.synthetic_size = tunas::train::TrainConfig().synthetic_size;
  c.validation_size = tunas::train::TrainConfig().validation_size;
  c.use_test_set = true;
  c.num_classes = 5;
  c.steps = 4;
  c.batch = 8;
  c.eval_batch = 4;
  c.threads = 2;
  tunas::train::TrainRun run(c);
  const auto outcome = run.run();
  REQUIRE(outcome.steps_done == 4);
  const YAML::Node result = YAML::LoadFile(root.file("train/result.json"));
  CHECK(result["eval_set"].as<std::string>() == "test");
  CHECK(result["eval_images"].as<int>() == 6);
  // The ONNX model takes images at the data set's own size; photographs have none: refused
  // with a reason on stderr, the training result stands.
  CHECK(result["onnx"].IsNull());
  const YAML::Node params = YAML::LoadFile(root.file("train/params.json"));
  CHECK(params["resolved"]["classes"].as<int>() == 5);
  CHECK(params["resolved"]["class_names"][4].as<std::string>() == "unused_4");
  CHECK(params["num_classes"].as<int>() == 5);
}

TEST_CASE("image folder: a bad folder stops the run before it starts, naming the folder") {
  tunas::test::TempDir root;
  write_folder(root.file("data"));
  fs::create_directories(root.file("data/train/empty"));
  const std::string expected = root.file("data/train/empty") + ": empty class folder";
  CHECK_THROWS_WITH_AS(SearchRun(search_config(root.file("data"), root.file("run"))),
                       doctest::Contains(expected.c_str()), tunas::Error);
  SearchConfig bad = search_config(root.file("data"), root.file("run"));
  bad.data = "imagenet";
  CHECK_THROWS_WITH_AS(tunas::search::validate(bad), doctest::Contains("imagefolder, filelist"), tunas::Error);
}

TEST_CASE("search/configs/imagenet_tunas.yaml holds the paper's settings") {
  SearchConfig c;
  tunas::search::apply_config_file(c, std::string(TUNAS_SOURCE_DIR) + "/search/configs/imagenet_tunas.yaml");
  c.data_dir = "/any/folder";
  tunas::search::validate(c);
  CHECK(c.data == "imagefolder");
  CHECK(c.resolution == 224);
  CHECK_FALSE(c.proxy);
  CHECK(c.width_multiplier == 1.0);
  CHECK(c.global_batch() == 4096);
  CHECK(c.validation_batch() == 512);
  CHECK(c.num_classes == 1001);
  CHECK(c.beta == doctest::Approx(-0.10));
  CHECK(c.target_ms == 84);
  CHECK(c.epochs == 90);
  CHECK(c.model_lr == 0);   // resolved to 0.165 * 4096 / 256 = 2.64
  CHECK(c.policy_lr == 0);  // resolved to 3e-4 * 4096 / 256 = 4.8e-3
}
