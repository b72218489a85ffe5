// Internal to tunas_onnx_export: appends nodes and initializers to an onnx::GraphProto with
// unique tensor names, so the exporter reads as the network it writes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace tunas::onnx_export {

class GraphWriter {
 public:
  explicit GraphWriter(onnx::GraphProto& graph) : graph_(graph) {}

  // A float initializer named `name` (must be new) of shape `dims`, row-major values.
  const std::string& floats(const std::string& name, const std::vector<std::int64_t>& dims,
                            const std::vector<float>& values);
  const std::string& int64s(const std::string& name, const std::vector<std::int64_t>& dims,
                            const std::vector<std::int64_t>& values);

  // Appends node `op` on `inputs` ("" = an omitted optional input); returns its one output,
  // named `name` (made unique with a suffix when taken). Attributes go through the returned
  // node with the set_* helpers below before the next call.
  std::string node(const std::string& op, std::initializer_list<std::string> inputs,
                   const std::string& name);
  onnx::NodeProto& last() { return *graph_.mutable_node(graph_.node_size() - 1); }

  void set_int(const std::string& attr, std::int64_t v);
  void set_ints(const std::string& attr, const std::vector<std::int64_t>& v);
  void set_float(const std::string& attr, float v);
  void set_string(const std::string& attr, const std::string& v);

 private:
  std::string unique(const std::string& name);
  onnx::GraphProto& graph_;
  std::vector<std::string> names_;
};

}  // namespace tunas::onnx_export
