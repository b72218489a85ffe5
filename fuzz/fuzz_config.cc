// Run configuration files (run/option_table.h): a YAML --config file, or a params.json,
// applied to tunas_search's and tunas_train's option tables, then validated.
#include "core/error.h"
#include "fuzz_input.h"
#include "search/search_config.h"
#include "train/train_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tunas::fuzz::as_file(data, size, ".yaml");
  try {
    tunas::search::SearchConfig search;
    tunas::search::apply_config_file(search, path);
    tunas::search::validate(search);
  } catch (const tunas::Error&) {
  }
  try {
    tunas::train::TrainConfig train;
    tunas::train::apply_train_config_file(train, path);
    tunas::train::validate(train);
  } catch (const tunas::Error&) {
  }
  return 0;
}
