#include "onnx_export/graph_writer.h"

#include <algorithm>

#include "core/error.h"

namespace tunas::onnx_export {

std::string GraphWriter::unique(const std::string& name) {
  std::string candidate = name;
  for (int i = 1; std::find(names_.begin(), names_.end(), candidate) != names_.end(); ++i)
    candidate = str_cat(name, "_", i);
  names_.push_back(candidate);
  return candidate;
}

const std::string& GraphWriter::floats(const std::string& name,
                                       const std::vector<std::int64_t>& dims,
                                       const std::vector<float>& values) {
  std::int64_t count = 1;
  for (std::int64_t d : dims) count *= d;
  TUNAS_CHECK(count == std::int64_t(values.size()), "initializer ", name, ": ", values.size(),
              " values for ", count, " elements");
  TUNAS_CHECK(std::find(names_.begin(), names_.end(), name) == names_.end(),
              "initializer ", name, " written twice");
  names_.push_back(name);
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (std::int64_t d : dims) t->add_dims(d);
  // raw_data is little-endian float32, the layout of every machine this engine runs on.
  t->set_raw_data(values.data(), values.size() * sizeof(float));
  return t->name();
}

const std::string& GraphWriter::int64s(const std::string& name,
                                       const std::vector<std::int64_t>& dims,
                                       const std::vector<std::int64_t>& values) {
  TUNAS_CHECK(std::find(names_.begin(), names_.end(), name) == names_.end(),
              "initializer ", name, " written twice");
  names_.push_back(name);
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (std::int64_t d : dims) t->add_dims(d);
  for (std::int64_t v : values) t->add_int64_data(v);
  return t->name();
}

std::string GraphWriter::node(const std::string& op, std::initializer_list<std::string> inputs,
                              const std::string& name) {
  onnx::NodeProto* n = graph_.add_node();
  n->set_op_type(op);
  const std::string out = unique(name);
  n->set_name(out);
  for (const std::string& in : inputs) n->add_input(in);
  n->add_output(out);
  return out;
}

void GraphWriter::set_int(const std::string& attr, std::int64_t v) {
  onnx::AttributeProto* a = last().add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void GraphWriter::set_ints(const std::string& attr, const std::vector<std::int64_t>& v) {
  onnx::AttributeProto* a = last().add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::INTS);
  for (std::int64_t x : v) a->add_ints(x);
}

void GraphWriter::set_float(const std::string& attr, float v) {
  onnx::AttributeProto* a = last().add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void GraphWriter::set_string(const std::string& attr, const std::string& v) {
  onnx::AttributeProto* a = last().add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

}  // namespace tunas::onnx_export
