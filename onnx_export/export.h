// Deploying a stand-alone network as ONNX: the one call the tools make (tunas_train at the end
// of a run, tunas_arch onnx / export --onnx). Light on purpose: no ONNX or protobuf headers
// (onnx_model.h has the graph builder itself).
#pragma once

#include <string>

#include "datasets/dataset.h"
#include "datasets/preprocess.h"
#include "search_spaces/indices.h"
#include "search_spaces/space.h"
#include "supernet/supernet.h"

namespace tunas::onnx_export {

// What metadata_props record besides the class names and the preprocessing.
struct ModelInfo {
  std::string space;        // as the user named it (a catalogue name or a YAML path)
  std::string indices;      // "i:j:k:..."
  std::string cost_model;   // "tunas_pixel1" when the space has Pixel-1 weights, else "macs"
  double cost = 0;          // the architecture under cost_model
  std::string cost_unit;    // "ms", "MACs"
  double latency_ms = -1;   // tunas_pixel1 latency; < 0 when the space has none
};

// The architecture's costs: `configured` is the space at the network that was trained.
ModelInfo model_info(const spaces::Space& configured, const std::string& space_name,
                     const spaces::Indices& indices);

// Builds the ONNX model of `net` (see onnx_model.h), checks it with onnx::checker and writes
// it to `path` atomically. `images`: the set whose images the model takes (its size,
// channels, normalisation constants, class names); `preprocess`: the evaluation
// preprocessing to the network's resolution (datasets::proxy_preprocess(set, false, res)).
// Throws tunas::Error naming the layer, tensor or path on failure; nothing is half-written.
void export_onnx(const std::string& path, supernet::Supernet& net,
                 const datasets::ImageSet& images, const datasets::PreprocessConfig& preprocess,
                 const ModelInfo& info);

}  // namespace tunas::onnx_export
