// ONNX from a weights file (tunas_arch onnx; tunas_arch export --run DIR --onnx FILE): the
// architecture's stand-alone network is rebuilt as tunas_train builds it (the data set's
// channels and classes, resolution, width multiplier, proxy strides), filled from the file,
// and exported for the data set's test images. BN moving statistics come from the file when
// it has them (tunas_train's weights.bin), otherwise they are calibrated on the training
// images (bn_calibration.h): a search's supernet path has none.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/json.h"
#include "datasets/dataset.h"
#include "search_spaces/indices.h"
#include "supernet/supernet.h"

namespace tunas::onnx_export {

struct WeightsExportConfig {
  std::string space;    // name or YAML path
  std::string indices;  // "i:j:..." (must be the file's architecture)
  std::string weights;  // a weights file (run/weights_file.h)
  std::string out;      // the .onnx file to write
  std::string data = "fashion_mnist";
  std::string data_dir;
  std::int64_t synthetic_size = 0;  // --data synthetic: training images (0: default)
  int resolution = 32;
  double width_multiplier = 1.0;
  int proxy_layers = 2;  // 0: no proxy strides
  int calibration_batches = 20;
  int calibration_batch = 128;
};

// The network of a weights file, ready to evaluate or export.
struct WeightsNetwork {
  datasets::Dataset data;
  spaces::Space space;  // configured for the data
  spaces::Indices indices;
  std::unique_ptr<supernet::Supernet> net;  // stand-alone, stateful BN
  supernet::Masks masks;
  std::string bn_statistics;  // where the moving statistics came from (for the summary)
};
WeightsNetwork load_weights_network(const WeightsExportConfig& config);
// Writes config.out from a loaded network; returns the summary export_weights_onnx returns.
Json export_weights_network(WeightsNetwork& network, const WeightsExportConfig& config);

// load_weights_network + export_weights_network. Throws tunas::Error naming the file, flag
// or layer on bad input (an architecture that is not the file's, an unwritable path, a layer
// the exporter cannot express); nothing is half-written. Returns a summary: onnx, space,
// indices, input_shape, bn_statistics.
Json export_weights_onnx(const WeightsExportConfig& config);

}  // namespace tunas::onnx_export
