#include "onnx_export/weights_export.h"

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "datasets/load.h"
#include "onnx_export/bn_calibration.h"
#include "onnx_export/export.h"
#include "search/run_files.h"
#include "search/search_config.h"
#include "search/weights_file.h"
#include "search_spaces/catalog.h"

namespace tunas::onnx_export {

WeightsNetwork load_weights_network(const WeightsExportConfig& c) {
  TUNAS_REQUIRE(!c.weights.empty(), "no weights file given (--weights)");
  WeightsNetwork w;
  w.data = datasets::load_dataset(c.data, c.data_dir, c.synthetic_size);
  w.space = spaces::load_space(c.space);
  spaces::configure_data_network(w.space, c.resolution, w.data.train.channels,
                                 w.data.train.num_classes, c.width_multiplier, c.proxy_layers);
  try {
    w.indices = spaces::parse_indices(w.space, c.indices);
  } catch (const Error& e) {
    throw Error(str_cat("--indices: not an architecture of the space '", w.space.name, "': ", e.what()));
  }
  supernet::SupernetConfig nc;
  nc.max_batch = c.calibration_batch;
  nc.remat = supernet::RematPolicy::none;
  nc.bn_mode = supernet::BnMode::stateful;
  w.net = std::make_unique<supernet::Supernet>(supernet::prune_space(w.space, w.indices), nc);
  supernet::Supernet& net = *w.net;
  search::read_weights_file(c.weights, net.params(), spaces::format_indices(w.indices));
  w.masks = supernet::masks_from_indices(
      net.space(), spaces::Indices(std::size_t(net.space().num_decisions()), 0));
  if (search::read_weights_bn_statistics(c.weights, net.params(), net.bn_statistics())) {
    w.bn_statistics = str_cat("moving statistics of ", c.weights);
  } else {
    const std::int64_t n = calibrate_bn_statistics(
        net, w.masks, w.data.train, datasets::proxy_preprocess(w.data.train, false, c.resolution),
        c.calibration_batch, c.calibration_batches);
    w.bn_statistics = str_cat("calibrated on ", n, " training images (", c.weights,
                              " has no moving statistics)");
  }
  return w;
}

Json export_weights_network(WeightsNetwork& w, const WeightsExportConfig& c) {
  TUNAS_REQUIRE(!c.out.empty(), "no output file given for the ONNX model");
  const datasets::ImageSet& test = w.data.test;
  export_onnx(c.out, *w.net, test, datasets::proxy_preprocess(test, false, c.resolution),
              model_info(w.space, c.space, w.indices));
  Json summary = Json::object();
  summary["bn_statistics"] = w.bn_statistics;
  summary["onnx"] = c.out;
  summary["space"] = c.space;
  summary["indices"] = spaces::format_indices(w.indices);
  summary["input_shape"] = std::vector<int>{test.channels, test.height, test.width};
  return summary;
}

Json export_weights_onnx(const WeightsExportConfig& c) {
  TUNAS_REQUIRE(!c.out.empty(), "no output file given for the ONNX model");
  WeightsNetwork w = load_weights_network(c);
  return export_weights_network(w, c);
}

WeightsExportConfig search_run_export_config(const std::string& run_dir) {
  const std::string params = search::path_join(run_dir, "params.json");
  TUNAS_REQUIRE(file_exists(params), run_dir, " is not a search run directory (no params.json)");
  search::SearchConfig s;
  search::apply_config_file(s, params);
  WeightsExportConfig c;
  c.space = s.space;
  c.data = s.data;
  c.data_dir = s.data_dir;
  c.synthetic_size = s.synthetic_size;
  c.resolution = s.resolution;
  c.width_multiplier = s.width_multiplier;
  c.proxy_layers = s.proxy ? s.proxy_layers : 0;
  const std::string arch = search::path_join(run_dir, "final_architecture.json");
  TUNAS_REQUIRE(file_exists(arch), arch, ": no final architecture (run `tunas_arch export` first)");
  c.indices = JsonField(read_json_file(arch), arch)["indices"].as<std::string>();
  return c;
}

}  // namespace tunas::onnx_export
