// Option rows that several tools share, so that every tool spells, documents and range-checks
// them the same: the network a space is built at (--resolution, --width-multiplier, --proxy,
// --proxy-layers), the data set (--data, --data-dir, --synthetic-size, --validation-size) and
// a run's bookkeeping (--seed, --threads, --out, cadences, --quiet, --resume).
//
// Each block is a template over the tool's config struct and binds to fields of the same
// names (C::resolution, C::proxy_layers, ...), so a tool takes a block by naming its fields so.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "run/option_table.h"
#include "run/run_limits.h"

namespace tunas {

// The rows of several blocks, in order (a table is built from blocks and the tool's own rows).
template <class Config>
std::vector<Option<Config>> concat(std::initializer_list<std::vector<Option<Config>>> blocks) {
  std::vector<Option<Config>> rows;
  for (const auto& block : blocks) rows.insert(rows.end(), block.begin(), block.end());
  return rows;
}

// The valid --data names (datasets::kDatasetNames, in its order).
std::vector<std::string> dataset_choices();

// How the space's network is built for the data.
template <class C>
std::vector<Option<C>> network_options() {
  return {
      option("proxy", &C::proxy, "proxy network for small inputs (see --proxy-layers)")
          .changes_result(),
      option("proxy_layers", &C::proxy_layers,
             "how many leading stride-2 layers the proxy runs at stride 1 (stem, first block)")
          .in(0, 8)
          .changes_result(),
      option("resolution", &C::resolution, "input resolution the network is built for")
          .in(8, 1024)
          .changes_result(),
      option("width_multiplier", &C::width_multiplier, "multiplier on every block width")
          .in(1e-3, run::kMaxWidthMultiplier)
          .changes_result(),
  };
}

// Which images: the data set, where it lives, the synthetic set's size and the held-out split.
template <class C>
std::vector<Option<C>> data_options() {
  return {
      option("data", &C::data,
             "dataset (--data-dir DIR for imagefolder, filelist and another location)")
          .one_of(dataset_choices())
          .changes_result(),
      option("data_dir", &C::data_dir,
             "dataset directory (\"\" = the dataset's default; fashion_mnist: "
             "/usr/share/datasets/fashion-mnist)")
          .changes_result(),
      option("synthetic_size", &C::synthetic_size, "training images of --data synthetic")
          .in(1, double(run::kMaxSyntheticImages))
          .changes_result(),
  };
}

// Images held out of the training set (the search's rewards, tunas_train's validation).
template <class C>
Option<C> validation_size_option() {
  return option("validation_size", &C::validation_size,
                "images of the training set held out (min(N, train/5)): the search's rewards, "
                "tunas_train's validation")
      .above(0)
      .changes_result();
}

// The training loss's regularisation, as tunas_search and tunas_train share it.
template <class C>
std::vector<Option<C>> regularisation_options() {
  return {
      option("weight_decay", &C::weight_decay, "L2 weight decay on the conv kernels")
          .at_least(0)
          .or_value(-1, "for the space's default")
          .changes_result(),
      option("label_smoothing", &C::label_smoothing, "label smoothing of the training loss")
          .in(0, 1)
          .changes_result(),
  };
}

// A run's bookkeeping: none of it changes the result but the seed.
template <class C>
std::vector<Option<C>> run_options(const char* seed_help) {
  return {
      option("seed", &C::seed, seed_help).changes_result(),
      option("threads", &C::threads, "threads (0 = all cores)").in(0, run::kMaxThreads),
      option("out", &C::out, "run directory"),
      option("log_every", &C::log_every, "steps between log.jsonl records and progress lines")
          .above(0),
      option("checkpoint_every", &C::checkpoint_every, "steps between checkpoints").above(0),
      option("quiet", &C::quiet, "no progress output"),
      option("resume", &C::resume, "continue the run in --out from its last checkpoint"),
  };
}

}  // namespace tunas
