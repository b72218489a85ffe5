// The tiny runs the search, train and report suites share: the 9-decision tiny space
// (tests/search/tiny_space.yaml) on 400 synthetic 16x16 images (80 held out), one thread,
// quiet. Each test sets on top only what it is about.
#pragma once

#include <filesystem>
#include <string>

#include "search/search_config.h"
#include "train/train_config.h"

namespace tunas::test {

inline std::string tiny_space_path() {
  return std::string(TUNAS_SOURCE_DIR) + "/tests/search/tiny_space.yaml";
}

// An architecture of the tiny space.
inline constexpr const char* kTinyIndices = "1:0:0:1:0:1:0:0:0";

// <temp>/<name>, removed first.
inline std::string fresh_temp_dir(const std::string& name) {
  const std::filesystem::path p = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(p);
  return p.string();
}

// 12 steps of 2 replicas x 8 images, MACs cost with a target between the smallest and the
// largest tiny architecture, a log record every 2 steps and a checkpoint every 4.
inline search::SearchConfig tiny_search_config(const std::string& out) {
  search::SearchConfig c;
  c.space = tiny_space_path();  // a user YAML, not a catalogue name
  c.data = "synthetic";
  c.synthetic_size = 400;
  c.validation_size = 80;
  c.resolution = 16;
  c.proxy = false;
  c.cost_model = "macs";
  c.target_ms = 60000;
  c.steps = 12;
  c.batch = 8;
  c.replicas = 2;
  c.log_every = 2;
  c.checkpoint_every = 4;
  c.policy_lr = 0.05;
  c.out = out;
  c.quiet = true;
  c.seed = 3;
  c.threads = 1;
  return c;
}

// kTinyIndices with the default schedule; steps and batches are the test's.
inline train::TrainConfig tiny_train_config(const std::string& out) {
  train::TrainConfig c;
  c.space = tiny_space_path();
  c.indices = kTinyIndices;
  c.data = "synthetic";
  c.synthetic_size = 400;
  c.validation_size = 80;
  c.resolution = 16;
  c.proxy = false;
  c.threads = 1;
  c.quiet = true;
  c.out = out;
  return c;
}

}  // namespace tunas::test
