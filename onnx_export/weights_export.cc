#include "onnx_export/weights_export.h"

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "datasets/load.h"
#include "onnx_export/bn_calibration.h"
#include "onnx_export/export.h"
#include "run/weights_file.h"
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
  run::read_weights_file(c.weights, net.params(), spaces::format_indices(w.indices));
  w.masks = supernet::masks_from_indices(
      net.space(), spaces::Indices(std::size_t(net.space().num_decisions()), 0));
  if (run::read_weights_bn_statistics(c.weights, net.params(), net.bn_statistics())) {
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

}  // namespace tunas::onnx_export
