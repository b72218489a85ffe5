#include "run/weights_file.h"

#include "core/error.h"
#include "core/json.h"
#include "run/checkpoint.h"

namespace tunas::run {

namespace {
constexpr const char* kFormat = "tunas-weights-1";
const std::string kBnSection = "bn_statistics/";
}

void write_weights_file(const std::string& path, const supernet::ParameterStore& params,
                        const std::string& space, const std::string& indices,
                        const float* bn_statistics) {
  Checkpoint file;
  file.put_string("format", kFormat);
  file.put_string("space", space);
  file.put_string("indices", indices);
  Json tensors = Json::array();
  for (const supernet::ParameterInfo& info : params.infos()) {
    Json t = Json::object();
    t["name"] = info.name;
    Json shape = Json::array();
    for (int d : info.shape) shape.push_back(d);
    t["shape"] = shape;
    tensors.push_back(t);
    file.put_floats("tensor/" + info.name, params.values() + info.offset, info.size);
  }
  file.put_string("tensors", json_line(tensors));
  if (bn_statistics) {
    for (const supernet::BnStatisticsEntry& bn : supernet::bn_statistics_layout(params))
      file.put_floats(kBnSection + bn.prefix, bn_statistics + bn.offset, 2 * std::int64_t(bn.channels));
  }
  write_checkpoint(path, file);
}

void read_weights_file(const std::string& path, supernet::ParameterStore& params,
                       const std::string& indices) {
  const Checkpoint file = read_checkpoint(path);
  TUNAS_REQUIRE(file.has("format") && file.get_string("format") == kFormat, path,
                ": not a tunas weights file (write one with tunas_arch export --weights)");
  const std::string saved = file.get_string("indices");
  TUNAS_REQUIRE(indices.empty() || saved == indices, path, ": holds the weights of architecture '",
                saved, "' (space ", file.get_string("space"), "), not of '", indices, "'");
  for (const supernet::ParameterInfo& info : params.infos()) {
    TUNAS_REQUIRE(file.has("tensor/" + info.name), path, ": no tensor ", info.name,
                  " (weights of another network: width multiplier or space differ?)");
    file.get_floats("tensor/" + info.name, params.values() + info.offset, info.size);
  }
}


bool read_weights_bn_statistics(const std::string& path, const supernet::ParameterStore& params,
                                float* bn_statistics) {
  const Checkpoint file = read_checkpoint(path);
  const auto layout = supernet::bn_statistics_layout(params);
  if (layout.empty() || !file.has(kBnSection + layout.front().prefix)) return false;
  for (const supernet::BnStatisticsEntry& bn : layout) {
    TUNAS_REQUIRE(file.has(kBnSection + bn.prefix), path, ": no moving statistics for ",
                  bn.prefix, " (weights of another network?)");
    file.get_floats(kBnSection + bn.prefix, bn_statistics + bn.offset, 2 * std::int64_t(bn.channels));
  }
  return true;
}

}  // namespace tunas::run
