// Weights files (run/weights_file.h) read into the stand-alone network of one tiny-space
// architecture, as tunas_train --init-weights does.
#include "core/error.h"
#include "fuzz_input.h"
#include "run/weights_file.h"
#include "search_spaces/catalog.h"
#include "search_spaces/indices.h"
#include "supernet/supernet.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static tunas::supernet::Supernet* net = [] {
    tunas::spaces::Space space =
        tunas::spaces::load_space(std::string(TUNAS_SOURCE_DIR) + "/tests/search/tiny_space.yaml");
    const tunas::spaces::Indices indices(space.decisions.size(), 0);
    tunas::supernet::SupernetConfig config;
    config.max_batch = 1;
    return new tunas::supernet::Supernet(tunas::supernet::prune_space(space, indices), config);
  }();
  const std::string path = tunas::fuzz::as_file(data, size, ".weights");
  try {
    tunas::run::read_weights_file(path, net->params(), "");
  } catch (const tunas::Error&) {
  }
  return 0;
}
