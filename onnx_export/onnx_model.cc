#include "onnx_export/onnx_model.h"

#include <cmath>
#include <map>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "core/json.h"
#include "core/tensor.h"
#include "kernels/f32-bn/bn.h"
#include "onnx/checker.h"
#include "onnx_export/graph_writer.h"
#include "search_spaces/cost_model.h"
#include "search_spaces/network.h"

namespace tunas::onnx_export {

namespace {

using spaces::Activation;
using spaces::LayerKind;
using spaces::ResolvedLayer;

// Emits the network of one Supernet: reads its parameters by name, checks every shape
// against the resolved architecture, and writes NCHW nodes.
class NetworkWriter {
 public:
  NetworkWriter(GraphWriter& g, supernet::Supernet& net) : g_(g), net_(net) {
    for (const supernet::BnStatisticsEntry& bn : supernet::bn_statistics_layout(net.params()))
      bn_offsets_[bn.prefix] = bn;
  }

  std::string layer(const ResolvedLayer& l, const std::string& x) {
    const int in = l.in_channels, out = l.out_channels, k = l.kernel_size;
    std::string y;
    switch (l.kind) {
      case LayerKind::conv: {
        const std::string p = str_cat(l.path, "/k", k);
        y = conv(p, x, k, l.strides, in, out, l.in_size, !l.use_batch_norm);
        if (l.use_batch_norm) y = batch_norm(p + "/bn", y, out);
        break;
      }
      case LayerKind::sepconv: {
        y = depthwise(str_cat(l.path, "/depthwise/k", k), x, k, l.strides, in, l.in_size,
                      l.activation);
        y = conv(l.path + "/pointwise", y, 1, 1, in, out, l.out_size, false);
        y = batch_norm(l.path + "/pointwise/bn", y, out);
        break;
      }
      case LayerKind::bottleneck: {
        const int e = l.expansion;
        y = conv(l.path + "/expand", x, 1, 1, in, e, l.in_size, false);
        y = activation(batch_norm(l.path + "/expand/bn", y, e), l.activation, l.path + "/expand");
        y = depthwise(str_cat(l.path, "/depthwise/k", k), y, k, l.strides, e, l.in_size,
                      l.activation);
        if (l.use_se) y = squeeze_excite(l, y);
        y = conv(l.path + "/project", y, 1, 1, e, out, l.out_size, false);
        y = batch_norm(l.path + "/project/bn", y, out);
        break;
      }
      case LayerKind::activation: y = activation(x, l.activation, l.path); break;
      case LayerKind::global_avg_pool: y = g_.node("GlobalAveragePool", {x}, l.path + "/pool"); break;
      case LayerKind::detection_endpoint: return x;  // no computation
      case LayerKind::zero:
        TUNAS_REQUIRE(l.residual, "ONNX export: layer ", l.path,
                      " is a zero layer outside a residual: the network's output would not "
                      "depend on its input; the exporter refuses it (pick another choice)");
        return x;  // residual(zero) is the identity
      case LayerKind::residual:
      case LayerKind::choice:
        throw Error(str_cat("ONNX export: layer ", l.path, " of kind ",
                            spaces::layer_kind_name(l.kind),
                            " was not resolved away (not a stand-alone network)"));
    }
    if (l.residual) y = g_.node("Add", {x, y}, l.path + "/residual");
    return y;
  }

  std::string classifier(const std::string& x, int features, int classes) {
    const std::string flat = g_.node("Flatten", {x}, "classifier/flatten");
    g_.set_int("axis", 1);
    const std::vector<float> w = tensor("classifier/kernel", {1, 1, features, classes});
    const std::vector<float> b = tensor("classifier/bias", {classes});
    const std::string wn = g_.floats("classifier/kernel", {features, classes}, w);
    const std::string bn = g_.floats("classifier/bias", {classes}, b);
    return g_.node("Gemm", {flat, wn, bn}, "logits");
  }

 private:
  // The parameter `name` as stored, after checking it has the architecture's shape.
  std::vector<float> tensor(const std::string& name, const std::vector<int>& shape) {
    const supernet::ParameterInfo* info = net_.params().find(name);
    TUNAS_REQUIRE(info != nullptr, "ONNX export: the weights have no tensor ", name,
                  " (weights of another architecture or space?)");
    TUNAS_REQUIRE(info->shape == shape, "ONNX export: tensor ", name, " has shape ",
                  shape_text(info->shape), ", the architecture needs ", shape_text(shape),
                  " (weights of another architecture?)");
    const float* p = net_.params().values() + info->offset;
    return std::vector<float>(p, p + info->size);
  }
  static std::string shape_text(const std::vector<int>& s) {
    std::string t = "[";
    for (std::size_t i = 0; i < s.size(); ++i) t += str_cat(i ? "," : "", s[i]);
    return t + "]";
  }

  // k x k conv of HWIO weights `prefix`/kernel (+ `prefix`/bias), TF-SAME pads made explicit.
  std::string conv(const std::string& prefix, const std::string& x, int k, int stride, int in,
                   int out, int in_size, bool bias) {
    const std::vector<float> hwio = tensor(prefix + "/kernel", {k, k, in, out});
    std::vector<float> oihw(hwio.size());
    for (int o = 0; o < out; ++o)
      for (int i = 0; i < in; ++i)
        for (int y = 0; y < k; ++y)
          for (int xk = 0; xk < k; ++xk)
            oihw[((std::size_t(o) * in + i) * k + y) * k + xk] =
                hwio[((std::size_t(y) * k + xk) * in + i) * out + o];
    const std::string w = g_.floats(prefix + "/kernel", {out, in, k, k}, oihw);
    std::string b;
    if (bias) b = g_.floats(prefix + "/bias", {out}, tensor(prefix + "/bias", {out}));
    const std::string y =
        bias ? g_.node("Conv", {x, w, b}, prefix + "/conv") : g_.node("Conv", {x, w}, prefix + "/conv");
    conv_attributes(k, stride, in_size, 1);
    return y;
  }

  // Depthwise k x k conv ([k][k][C][1] weights) + BN + activation, as the engine fuses them.
  std::string depthwise(const std::string& prefix, const std::string& x, int k, int stride,
                        int c, int in_size, Activation act) {
    const std::vector<float> hwc = tensor(prefix + "/kernel", {k, k, c, 1});
    std::vector<float> c1hw(hwc.size());
    for (int ch = 0; ch < c; ++ch)
      for (int t = 0; t < k * k; ++t) c1hw[std::size_t(ch) * k * k + t] = hwc[std::size_t(t) * c + ch];
    const std::string w = g_.floats(prefix + "/kernel", {c, 1, k, k}, c1hw);
    std::string y = g_.node("Conv", {x, w}, prefix + "/conv");
    conv_attributes(k, stride, in_size, c);
    y = batch_norm(prefix + "/bn", y, c);
    return activation(y, act, prefix);
  }

  void conv_attributes(int k, int stride, int in_size, int group) {
    const SamePadding p = same_padding(in_size, k, stride);
    g_.set_ints("kernel_shape", {k, k});
    g_.set_ints("strides", {stride, stride});
    g_.set_ints("pads", {p.before, p.before, p.after, p.after});  // top, left, bottom, right
    g_.set_ints("dilations", {1, 1});
    g_.set_int("group", group);
  }

  // Inference-form BN on the moving statistics of BN `prefix` ("…/bn").
  std::string batch_norm(const std::string& prefix, const std::string& x, int c) {
    const auto it = bn_offsets_.find(prefix);
    TUNAS_REQUIRE(it != bn_offsets_.end() && it->second.channels == c, "ONNX export: no ", c,
                  "-channel batch norm ", prefix, " in the weights (weights of another architecture?)");
    const float* stats = net_.bn_statistics() + it->second.offset;
    const std::string gamma = g_.floats(prefix + "/gamma", {c}, tensor(prefix + "/gamma", {c}));
    const std::string beta = g_.floats(prefix + "/beta", {c}, tensor(prefix + "/beta", {c}));
    const std::string mean =
        g_.floats(prefix + "/moving_mean", {c}, std::vector<float>(stats, stats + c));
    const std::string var =
        g_.floats(prefix + "/moving_variance", {c}, std::vector<float>(stats + c, stats + 2 * c));
    const std::string y = g_.node("BatchNormalization", {x, gamma, beta, mean, var}, prefix);
    g_.set_float("epsilon", kernels::kBnEpsilon);
    return y;
  }

  std::string activation(const std::string& x, Activation act, const std::string& where) {
    switch (act) {
      case Activation::none: return x;
      case Activation::relu: return g_.node("Relu", {x}, where + "/relu");
      case Activation::relu6:
        return g_.node("Clip", {x, scalar("clip/zero", 0.f), scalar("clip/six", 6.f)},
                       where + "/relu6");
      case Activation::hswish: return g_.node("HardSwish", {x}, where + "/hswish");
      case Activation::swish: {
        const std::string s = g_.node("Sigmoid", {x}, where + "/swish_gate");
        return g_.node("Mul", {x, s}, where + "/swish");
      }
      case Activation::sigmoid: return g_.node("Sigmoid", {x}, where + "/sigmoid");
    }
    throw Error(str_cat("ONNX export: ", where, ": activation ", int(act), " has no ONNX form"));
  }

  // A shared scalar initializer.
  std::string scalar(const std::string& name, float v) {
    if (!scalars_.count(name)) scalars_[name] = g_.floats(name, {}, {v});
    return scalars_[name];
  }

  // x * gate(W2 act(W1 mean_hw(x) + b1) + b2), the engine's SE on E channels.
  std::string squeeze_excite(const ResolvedLayer& l, const std::string& x) {
    const int e = l.expansion, h = l.se_hidden;
    const std::string p = l.path + "/se";
    std::string s = g_.node("GlobalAveragePool", {x}, p + "/pool");
    s = conv(p + "/reduce", s, 1, 1, e, h, 1, true);
    s = activation(s, l.se_inner_activation, p + "/reduce");
    s = conv(p + "/expand", s, 1, 1, h, e, 1, true);
    s = activation(s, l.se_gating_activation, p + "/expand");
    return g_.node("Mul", {x, s}, p + "/scale");
  }

  GraphWriter& g_;
  supernet::Supernet& net_;
  std::map<std::string, supernet::BnStatisticsEntry> bn_offsets_;
  std::map<std::string, std::string> scalars_;
};

const char* resize_name(datasets::ResizeMode mode) {
  return mode == datasets::ResizeMode::pad ? "pad" : "bilinear";
}

// images [N, C_src, H_src, W_src] -> the network's input, as Preprocessor::run does it.
std::string preprocessing(GraphWriter& g, const std::string& images, const datasets::ImageSet& set,
                          const datasets::Preprocessor& pre) {
  std::string x = images;
  const int h = pre.height(), w = pre.width();
  if (h != set.height || w != set.width) {
    if (pre.resize() == datasets::ResizeMode::pad) {
      const std::int64_t top = (h - set.height) / 2, left = (w - set.width) / 2;
      const std::string pads =
          g.int64s("preprocess/pads", {8},
                   {0, 0, top, left, 0, 0, h - set.height - top, w - set.width - left});
      x = g.node("Pad", {x, pads}, "preprocess/pad");
      g.set_string("mode", "constant");
    } else {
      // sizes = [N, C] of the input ++ [h, w]: the batch stays dynamic.
      const std::string shape = g.node("Shape", {x}, "preprocess/shape");
      const std::string nc = g.node("Slice", {shape, g.int64s("preprocess/slice_start", {1}, {0}),
                                              g.int64s("preprocess/slice_end", {1}, {2})},
                                    "preprocess/batch_channels");
      const std::string sizes =
          g.node("Concat", {nc, g.int64s("preprocess/size_hw", {2}, {h, w})}, "preprocess/sizes");
      g.set_int("axis", 0);
      x = g.node("Resize", {x, "", "", sizes}, "preprocess/resize");
      g.set_string("mode", "linear");
      g.set_string("coordinate_transformation_mode", "half_pixel");
    }
  }
  const int c = pre.channels();
  if (c != set.channels) {  // grey -> 3: replicate the channel
    x = g.node("Concat", {x, x, x}, "preprocess/grey_to_rgb");
    g.set_int("axis", 1);
  }
  const std::vector<std::int64_t> per_channel = {1, c, 1, 1};
  x = g.node("Sub", {x, g.floats("preprocess/mean", per_channel, pre.mean())}, "preprocess/center");
  return g.node("Mul", {x, g.floats("preprocess/inv_std", per_channel, pre.inv_std())},
                "preprocess/normalized");
}

void set_tensor_type(onnx::ValueInfoProto* v, const std::string& name,
                     const std::vector<std::int64_t>& dims) {
  v->set_name(name);
  onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* s = t->mutable_shape();
  s->add_dim()->set_dim_param("N");
  for (std::int64_t d : dims) s->add_dim()->set_dim_value(d);
}

void add_metadata(onnx::ModelProto& model, const std::string& key, const std::string& value) {
  onnx::StringStringEntryProto* p = model.add_metadata_props();
  p->set_key(key);
  p->set_value(value);
}

}  // namespace

onnx::ModelProto build_onnx_model(supernet::Supernet& net, const datasets::ImageSet& images,
                                  const datasets::PreprocessConfig& preprocess,
                                  const ModelInfo& info) {
  const spaces::Space& space = net.space();
  for (const spaces::Decision& d : space.decisions)
    TUNAS_REQUIRE(d.size() == 1, "ONNX export: decision ", d.path, " has ", d.size(),
                  " choices; export a stand-alone network (supernet::prune_space)");
  const spaces::NetworkConfig& cfg = space.network;
  TUNAS_REQUIRE(net.config().bn_mode == supernet::BnMode::stateful,
                "ONNX export: the network must use stateful BN (moving statistics)");
  const datasets::Preprocessor pre(images, preprocess);
  TUNAS_REQUIRE(pre.height() == cfg.resolution && pre.width() == cfg.resolution &&
                    pre.channels() == cfg.input_channels,
                "ONNX export: the preprocessing makes ", pre.height(), "x", pre.width(), "x",
                pre.channels(), " images, the network takes ", cfg.resolution, "x",
                cfg.resolution, "x", cfg.input_channels);
  TUNAS_REQUIRE(images.num_classes == cfg.classes, "ONNX export: the data set '", images.name,
                "' has ", images.num_classes, " classes, the network ", cfg.classes);
  TUNAS_REQUIRE(!pre.augments(), "ONNX export: the preprocessing must be the evaluation one "
                "(no crop padding, no flips)");
  const spaces::Network resolved =
      spaces::resolve(space, spaces::Indices(std::size_t(space.num_decisions()), 0));

  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  model.set_producer_name("tunas-cpp");
  model.set_producer_version("0.1.0");
  model.set_doc_string(str_cat("tunas-cpp stand-alone network: space ", info.space,
                               ", indices '", info.indices, "'"));
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpsetVersion);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("tunas_network");
  set_tensor_type(graph.add_input(), "images", {images.channels, images.height, images.width});

  GraphWriter g(graph);
  std::string x = preprocessing(g, "images", images, pre);
  NetworkWriter writer(g, net);
  for (const spaces::ResolvedLayer& l : resolved.layers) x = writer.layer(l, x);
  TUNAS_REQUIRE(resolved.feature_size == 1, "ONNX export: the classifier needs a 1x1 feature map");
  x = writer.classifier(x, resolved.feature_channels, resolved.classes);
  set_tensor_type(graph.add_output(), x, {resolved.classes});
  // The output is named "logits": rename the Gemm's output if the writer had to suffix it.
  TUNAS_CHECK(x == "logits", "the classifier output is named ", x);

  add_metadata(model, "tunas.space", info.space);
  add_metadata(model, "tunas.indices", info.indices);
  add_metadata(model, "tunas.cost_model", info.cost_model);
  add_metadata(model, "tunas.cost", json_line(info.cost));
  add_metadata(model, "tunas.cost_unit", info.cost_unit);
  if (info.latency_ms >= 0) add_metadata(model, "tunas.latency_ms", json_line(info.latency_ms));
  add_metadata(model, "tunas.class_names", json_line(images.class_names));
  Json p = Json::object();
  p["input"] = "images: float32 NCHW, raw pixel values in [0, 255]";
  p["input_shape"] = std::vector<int>{images.channels, images.height, images.width};
  p["resize"] = resize_name(pre.resize());
  p["network_input_shape"] = std::vector<int>{pre.channels(), pre.height(), pre.width()};
  p["mean"] = pre.mean();
  std::vector<float> std_dev;
  for (float v : pre.inv_std()) std_dev.push_back(1.f / v);
  p["std"] = std_dev;
  p["normalisation"] = "(pixel - mean[c]) * (1 / std[c])";
  add_metadata(model, "tunas.preprocessing", json_line(p));
  return model;
}

void write_onnx_model(const std::string& path, const onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(str_cat(path, ": onnx::checker rejects the exported model (nothing written): ",
                        e.what()));
  }
  std::string bytes;
  TUNAS_REQUIRE(model.SerializeToString(&bytes), path, ": cannot serialise the ONNX model");
  try {
    write_file_atomic(path, bytes);
  } catch (const Error& e) {
    throw Error(str_cat("cannot write the ONNX model to ", path, ": ", e.what()));
  }
}

onnx::ModelProto read_onnx_model(const std::string& path) {
  const std::string bytes = read_file(path);
  onnx::ModelProto model;
  TUNAS_REQUIRE(model.ParseFromString(bytes), path, ": not an ONNX model (protobuf parse failed)");
  return model;
}

ModelInfo model_info(const spaces::Space& configured, const std::string& space_name,
                     const spaces::Indices& indices) {
  ModelInfo info;
  info.space = space_name;
  info.indices = spaces::format_indices(indices);
  const bool pixel1 = !configured.pixel1_weights.empty();
  const auto model = spaces::make_cost_model(pixel1 ? "tunas_pixel1" : "macs", configured);
  info.cost_model = model->name();
  info.cost = model->cost_of(indices);
  info.cost_unit = model->unit();
  if (pixel1) info.latency_ms = info.cost;
  return info;
}

void export_onnx(const std::string& path, supernet::Supernet& net,
                 const datasets::ImageSet& images, const datasets::PreprocessConfig& preprocess,
                 const ModelInfo& info) {
  write_onnx_model(path, build_onnx_model(net, images, preprocess, info));
}

}  // namespace tunas::onnx_export
