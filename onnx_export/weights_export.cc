#include "onnx_export/weights_export.h"

#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/files.h"
#include "datasets/load.h"
#include "onnx_export/bn_calibration.h"
#include "onnx_export/export.h"
#include "search/run_files.h"
#include "search/search_config.h"
#include "search/weights_file.h"
#include "search_spaces/catalog.h"

namespace tunas::onnx_export {

Json export_weights_onnx(const WeightsExportConfig& c) {
  TUNAS_REQUIRE(!c.out.empty(), "no output file given for the ONNX model");
  TUNAS_REQUIRE(!c.weights.empty(), "no weights file given (--weights)");
  const datasets::Dataset data = datasets::load_dataset(c.data, c.data_dir, c.synthetic_size);
  spaces::Space space = spaces::load_space(c.space);
  spaces::configure_data_network(space, c.resolution, data.train.channels,
                                 data.train.num_classes, c.width_multiplier, c.proxy_layers);
  spaces::Indices indices;
  try {
    indices = spaces::parse_indices(space, c.indices);
  } catch (const Error& e) {
    throw Error(str_cat("--indices: not an architecture of the space '", space.name, "': ", e.what()));
  }
  supernet::SupernetConfig nc;
  nc.max_batch = c.calibration_batch;
  nc.remat = supernet::RematPolicy::none;
  nc.bn_mode = supernet::BnMode::stateful;
  supernet::Supernet net(supernet::prune_space(space, indices), nc);
  search::read_weights_file(c.weights, net.params(), spaces::format_indices(indices));
  const supernet::Masks masks = supernet::masks_from_indices(
      net.space(), spaces::Indices(std::size_t(net.space().num_decisions()), 0));

  Json summary = Json::object();
  if (search::read_weights_bn_statistics(c.weights, net.params(), net.bn_statistics())) {
    summary["bn_statistics"] = str_cat("moving statistics of ", c.weights);
  } else {
    const std::int64_t n = calibrate_bn_statistics(
        net, masks, data.train, datasets::proxy_preprocess(data.train, false, c.resolution),
        c.calibration_batch, c.calibration_batches);
    summary["bn_statistics"] = str_cat("calibrated on ", n, " training images (", c.weights,
                                       " has no moving statistics)");
  }
  export_onnx(c.out, net, data.test, datasets::proxy_preprocess(data.test, false, c.resolution),
              model_info(space, c.space, indices));
  summary["onnx"] = c.out;
  summary["space"] = c.space;
  summary["indices"] = spaces::format_indices(indices);
  summary["input_shape"] = std::vector<int>{data.test.channels, data.test.height, data.test.width};
  return summary;
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
  try {
    c.indices = YAML::LoadFile(arch)["indices"].as<std::string>();
  } catch (const YAML::Exception& e) {
    throw Error(str_cat(arch, ": no final architecture (\"indices\"): ", e.what()));
  }
  return c;
}

}  // namespace tunas::onnx_export
