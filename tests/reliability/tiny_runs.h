// Flags of the tiny search and training runs the reliability tests drive: the tiny test
// space on synthetic data, a few dozen steps, checkpoints every few steps, fixed seeds.
#pragma once

#include <string>
#include <vector>

namespace tunas::test {

inline std::string tiny_space_path() {
  return std::string(TUNAS_SOURCE_DIR) + "/tests/search/tiny_space.yaml";
}

inline const char* kTinyIndices = "1:0:0:1:0:1:0:0:0";

inline std::vector<std::string> tiny_search_flags(const std::string& out, int steps = 24,
                                                  const std::string& space = tiny_space_path()) {
  return {"--space", space, "--data", "synthetic", "--synthetic-size", "400",
          "--validation-size", "80", "--resolution", "16", "--proxy=false", "--cost-model", "macs",
          "--target", "60000", "--steps", std::to_string(steps), "--batch", "8", "--replicas", "2",
          "--log-every", "2", "--checkpoint-every", "2", "--policy-lr", "0.05", "--seed", "3",
          "--threads", "1", "--out", out, "--quiet"};
}

inline std::vector<std::string> tiny_train_flags(const std::string& out, int steps = 24) {
  return {"--space", tiny_space_path(), "--indices", kTinyIndices, "--data", "synthetic",
          "--synthetic-size", "400", "--validation-size", "80", "--resolution", "16",
          "--proxy=false", "--steps", std::to_string(steps), "--batch", "16", "--eval-batch", "40",
          "--lr", "0.2", "--checkpoint-every", "2", "--log-every", "2", "--seed", "5",
          "--threads", "1", "--out", out, "--quiet"};
}

}  // namespace tunas::test
