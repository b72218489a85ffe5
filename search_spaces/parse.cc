#include "search_spaces/parse.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/json.h"
#include "search_spaces/rounding.h"

namespace tunas::spaces {
namespace {

std::string trim_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  Space parse(const std::string& text) {
    require_utf8(text, source_);  // YAML is Unicode, and runs embed the file in JSON
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      throw Error(str_cat(source_, ":", e.mark.line + 1, ":", e.mark.column + 1,
                          ": YAML syntax error: ", e.msg));
    }
    TUNAS_REQUIRE(root.IsMap(), source_,
                  ": a search space file must be a YAML mapping with at least 'blocks'");
    check_keys(root, "the top level",
               {"name", "description", "filters_base", "target_latency_ms", "weight_decay",
                "pixel1_weights", "network", "templates", "blocks"});
    space_.source = source_;
    space_.name = root["name"] ? scalar_string(root["name"], "name")
                               : std::filesystem::path(source_).stem().string();
    if (root["description"]) space_.description = scalar_string(root["description"], "description");
    if (root["filters_base"]) space_.filters_base = width(root["filters_base"], "filters_base");
    if (root["target_latency_ms"])
      space_.target_latency_ms = number(root["target_latency_ms"], "target_latency_ms", 0);
    if (root["weight_decay"]) space_.weight_decay = number(root["weight_decay"], "weight_decay", 0);
    if (root["pixel1_weights"])
      space_.pixel1_weights = scalar_string(root["pixel1_weights"], "pixel1_weights");
    NetworkConfig network;
    if (root["network"]) network = parse_network(root["network"]);

    const YAML::Node blocks = root["blocks"];
    TUNAS_REQUIRE(blocks, source_, ": missing key 'blocks' (a list of blocks)");
    require(blocks.IsSequence() && blocks.size() > 0, blocks,
            "'blocks' must be a non-empty list of blocks");
    for (std::size_t b = 0; b < blocks.size(); ++b) parse_block(blocks[b], static_cast<int>(b));
    configure_network(space_, network);
    return std::move(space_);
  }

 private:
  std::string where(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return source_;
    return str_cat(source_, ":", mark.line + 1, ":", mark.column + 1);
  }

  template <typename... Args>
  void require(bool cond, const YAML::Node& node, Args&&... args) const {
    if (!cond) throw Error(str_cat(where(node), ": ", std::forward<Args>(args)...));
  }

  // Rejects unknown and duplicate keys of a mapping.
  void check_keys(const YAML::Node& map, const std::string& what,
                  std::initializer_list<const char*> allowed) const {
    std::set<std::string> seen;
    for (const auto& kv : map) {
      require(kv.first.IsScalar(), kv.first, "keys of ", what, " must be plain names");
      const std::string key = kv.first.Scalar();
      const bool known = std::any_of(allowed.begin(), allowed.end(),
                                     [&](const char* a) { return key == a; });
      if (!known) {
        std::string valid;
        for (const char* a : allowed) valid += std::string(valid.empty() ? "" : ", ") + a;
        throw Error(str_cat(where(kv.first), ": unknown key '", key, "' in ", what,
                            " (valid keys: ", valid, ")"));
      }
      require(seen.insert(key).second, kv.first, "duplicate key '", key, "' in ", what);
    }
  }

  std::string scalar_string(const YAML::Node& node, const std::string& what) const {
    require(node.IsScalar(), node, "'", what, "' must be a string");
    return node.Scalar();
  }

  double number(const YAML::Node& node, const std::string& what, double min_value) const {
    require(node.IsScalar(), node, "'", what, "' must be a number");
    double v = 0;
    try {
      v = node.as<double>();
    } catch (const YAML::Exception&) {
      throw Error(str_cat(where(node), ": '", what, "' must be a number, got '", node.Scalar(), "'"));
    }
    require(std::isfinite(v) && v >= min_value, node, "'", what, "' must be a number >= ",
            min_value, ", got ", node.Scalar());
    return v;
  }

  int integer(const YAML::Node& node, const std::string& what, int min_value) const {
    require(node.IsScalar(), node, "'", what, "' must be an integer");
    int v = 0;
    try {
      v = node.as<int>();
    } catch (const YAML::Exception&) {
      throw Error(str_cat(where(node), ": '", what, "' must be an integer, got '", node.Scalar(), "'"));
    }
    require(v >= min_value, node, "'", what, "' must be an integer >= ", min_value, ", got ", v);
    return v;
  }
  int positive_int(const YAML::Node& node, const std::string& what) const {
    return integer(node, what, 1);
  }
  // A width (filters) or a filters base: 1 to kMaxFilters.
  int width(const YAML::Node& node, const std::string& what) const {
    const int v = positive_int(node, what);
    require(v <= kMaxFilters, node, "'", what, "' must be at most ", kMaxFilters,
            " filters, got ", v);
    return v;
  }
  // A width multiplier or ratio: > 0 and at most kMaxFilters (more makes every width too wide).
  void require_ratio(double v, const YAML::Node& node, const std::string& what) const {
    require(v > 0 && v <= kMaxFilters, node, "'", what, "' must be a ratio in (0, ", kMaxFilters,
            "], got ", node.Scalar());
  }

  bool boolean(const YAML::Node& node, const std::string& what) const {
    require(node.IsScalar(), node, "'", what, "' must be true or false");
    try {
      return node.as<bool>();
    } catch (const YAML::Exception&) {
      throw Error(str_cat(where(node), ": '", what, "' must be true or false, got '",
                          node.Scalar(), "'"));
    }
  }

  Activation activation(const YAML::Node& node, const std::string& what) const {
    require(node.IsScalar(), node, "'", what, "' must be an activation name (",
            activation_spellings(), ")");
    const std::string name = node.Scalar();
    Activation a = Activation::none;
    if (find_activation(name, a)) return a;
    throw Error(str_cat(where(node), ": unknown activation '", name, "' for '", what,
                        "' (valid: ", activation_spellings(), ")"));
  }

  Tag tag(const YAML::Node& node) const {
    require(node.IsScalar(), node, "'tag' must be op or filters");
    if (node.Scalar() == "op") return Tag::op;
    if (node.Scalar() == "filters") return Tag::filters;
    throw Error(str_cat(where(node), ": unknown tag '", node.Scalar(), "' (valid: op, filters)"));
  }

  NetworkConfig parse_network(const YAML::Node& node) const {
    require(node.IsMap(), node, "'network' must be a mapping");
    check_keys(node, "network",
               {"resolution", "input_channels", "classes", "width_multiplier", "stride_overrides"});
    NetworkConfig net;
    if (node["resolution"]) net.resolution = positive_int(node["resolution"], "network.resolution");
    if (node["input_channels"])
      net.input_channels = positive_int(node["input_channels"], "network.input_channels");
    if (node["classes"]) net.classes = positive_int(node["classes"], "network.classes");
    if (node["width_multiplier"]) {
      net.width_multiplier = number(node["width_multiplier"], "network.width_multiplier", 0);
      require(net.width_multiplier > 0, node["width_multiplier"],
              "'network.width_multiplier' must be > 0");
    }
    if (const YAML::Node overrides = node["stride_overrides"]) {
      require(overrides.IsMap(), overrides,
              "'network.stride_overrides' must map layer paths to strides, e.g. "
              "{blocks/0/layers/0: 1}");
      for (const auto& kv : overrides) {
        net.stride_overrides[scalar_string(kv.first, "stride override path")] =
            positive_int(kv.second, "stride override");
      }
    }
    return net;
  }

  // Appends a decision (after every decision nested in its choices, which the caller has
  // already appended) and makes it the parent of the direct children created in
  // [child_begin[i], child_begin[i+1]).
  int add_decision(Decision decision, const std::vector<int>& child_begin) {
    const int id = space_.num_decisions();
    for (std::size_t i = 0; i + 1 < child_begin.size(); ++i) {
      for (int d = child_begin[i]; d < child_begin[i + 1]; ++d) {
        Decision& child = space_.decisions[static_cast<std::size_t>(d)];
        if (child.parent_decision < 0) {
          child.parent_decision = id;
          child.parent_choice = static_cast<int>(i);
        }
      }
    }
    int largest = 0;
    for (int i = 0; i < decision.size(); ++i) {
      if (decision.choices[static_cast<std::size_t>(i)].value >
          decision.choices[static_cast<std::size_t>(largest)].value)
        largest = i;
    }
    decision.largest_choice = largest;
    space_.decisions.push_back(std::move(decision));
    return id;
  }

  // A field that is a fixed value or {one_of: [values], tag: op|filters}. `convert` maps one
  // YAML scalar to (value, choice display).
  template <typename T, typename Convert>
  Field<T> field(const YAML::Node& node, const std::string& path, const std::string& name,
                 Tag default_tag, Convert convert) {
    Field<T> f;
    if (!node.IsMap()) {
      f.options.push_back(convert(node, name).first);
      return f;
    }
    check_keys(node, str_cat("the decision '", name, "'"), {"one_of", "tag"});
    const YAML::Node choices = node["one_of"];
    require(choices && choices.IsSequence() && choices.size() > 0, node, "decision '", name,
            "' needs 'one_of:' with a non-empty list of values");
    Decision d;
    d.path = str_cat(path, "/", name);
    d.tag = node["tag"] ? tag(node["tag"]) : default_tag;
    for (const YAML::Node& c : choices) {
      auto [value, choice] = convert(c, name);
      if (!d.choices.empty()) {
        require(choice.relative == d.choices.front().relative, c, "decision '", name,
                "' mixes relative (x<r>) and absolute values");
      }
      f.options.push_back(value);
      d.choices.push_back(choice);
    }
    f.decision = add_decision(std::move(d), {});
    return f;
  }

  std::pair<int, Choice> kernel_value(const YAML::Node& node, const std::string& name) const {
    const int k = positive_int(node, name);
    return {k, Choice{std::to_string(k), static_cast<double>(k), false}};
  }

  std::pair<Width, Choice> expansion_value(const YAML::Node& node, const std::string& name) const {
    require(node.IsScalar(), node, "'", name,
            "' must be an absolute width (integer) or a multiplier 'x<ratio>' such as x6");
    const std::string text = node.Scalar();
    if (!text.empty() && text[0] == 'x') {
      double r = 0;
      std::size_t used = 0;
      try {
        r = std::stod(text.substr(1), &used);
      } catch (const std::exception&) {
        used = 0;
      }
      require(used > 0 && used == text.size() - 1 && r > 0 && std::isfinite(r), node, "'", name,
              "' multiplier must look like x6 or x2.5 (a ratio > 0), got '", text, "'");
      require_ratio(r, node, name);
      return {Width{true, r}, Choice{str_cat("x", trim_number(r)), r, true}};
    }
    const int w = width(node, name);
    return {Width{false, static_cast<double>(w)}, Choice{std::to_string(w), static_cast<double>(w), false}};
  }

  std::pair<bool, Choice> se_value(const YAML::Node& node, const std::string& name) const {
    const bool on = boolean(node, name);
    return {on, Choice{on ? "SE on" : "SE off", on ? 1.0 : 0.0, false}};
  }

  int strides(const YAML::Node& fields) const {
    return fields["strides"] ? positive_int(fields["strides"], "strides") : 1;
  }

  Layer parse_layer(const YAML::Node& node, const std::string& path) {
    Layer layer;
    layer.path = path;
    layer.source = where(node);
    if (node.IsScalar()) {
      const std::string kind = node.Scalar();
      if (!find_layer_kind(kind, layer.kind))
        throw Error(str_cat(where(node), ": unknown layer kind '", kind, "' (valid: ",
                            layer_kind_spellings(), ")"));
      if (layer_kind_has_fields(layer.kind))
        throw Error(str_cat(where(node), ": layer '", kind, "' needs its fields, e.g. '", kind,
                            ": {...}'"));
      return layer;
    }
    require(node.IsMap() && node.size() > 0, node,
            "a layer must be a kind name or a one-key mapping such as 'conv: {...}' (valid kinds: ",
            layer_kind_spellings(), ")");
    // The kind is the first key; 'tag' may accompany 'one_of'.
    const YAML::Node key = node.begin()->first;
    require(key.IsScalar(), key, "a layer's key must be its kind (", layer_kind_spellings(),
            ")");
    const std::string kind = node["one_of"] ? std::string("one_of") : key.Scalar();
    const YAML::Node body = node[kind];
    auto fields_of = [&](std::initializer_list<const char*> allowed) {
      require(body.IsMap(), body, "the fields of '", kind, "' must be a mapping");
      check_keys(body, kind, allowed);
      return body;
    };
    auto required = [&](const YAML::Node& fields, const char* name) {
      require(static_cast<bool>(fields[name]), fields, "'", kind, "' needs the field '", name, "'");
      return fields[name];
    };
    auto no_fields = [&] {
      require(body.IsNull() || (body.IsMap() && body.size() == 0), body, "'", kind,
              "' has no fields");
    };
    if (kind != "one_of") check_keys(node, "a layer", {kind.c_str()});
    if (!find_layer_kind(kind, layer.kind))
      throw Error(str_cat(where(key), ": unknown layer kind '", kind, "' (valid: ",
                          layer_kind_spellings(), ")"));
    switch (layer.kind) {
      case LayerKind::conv: {
        const YAML::Node f = fields_of({"kernel_size", "strides", "use_batch_norm"});
        layer.kernel_size = field<int>(required(f, "kernel_size"), path, "kernel_size", Tag::op,
                                       [this](auto& n, auto& w) { return kernel_value(n, w); });
        layer.declared_strides = strides(f);
        if (f["use_batch_norm"])
          layer.use_batch_norm = boolean(f["use_batch_norm"], "use_batch_norm");
        break;
      }
      case LayerKind::sepconv: {
        const YAML::Node f = fields_of({"kernel_size", "strides", "activation"});
        layer.kernel_size = field<int>(required(f, "kernel_size"), path, "kernel_size", Tag::op,
                                       [this](auto& n, auto& w) { return kernel_value(n, w); });
        layer.declared_strides = strides(f);
        if (f["activation"]) layer.activation = activation(f["activation"], "activation");
        break;
      }
      case LayerKind::bottleneck: {
        const YAML::Node f = fields_of({"kernel_size", "expansion_filters",
                                        "use_squeeze_and_excite", "strides", "activation",
                                        "se_inner_activation", "se_gating_activation"});
        // Declaration order = decision order (spec §1.3).
        layer.kernel_size = field<int>(required(f, "kernel_size"), path, "kernel_size", Tag::op,
                                       [this](auto& n, auto& w) { return kernel_value(n, w); });
        layer.expansion =
            field<Width>(required(f, "expansion_filters"), path, "expansion_filters",
                         Tag::filters, [this](auto& n, auto& w) { return expansion_value(n, w); });
        if (f["use_squeeze_and_excite"]) {
          layer.use_se = field<bool>(f["use_squeeze_and_excite"], path, "use_squeeze_and_excite",
                                     Tag::op, [this](auto& n, auto& w) { return se_value(n, w); });
        } else {
          layer.use_se.options = {false};
        }
        layer.declared_strides = strides(f);
        if (f["activation"]) layer.activation = activation(f["activation"], "activation");
        if (f["se_inner_activation"])
          layer.se_inner_activation = activation(f["se_inner_activation"], "se_inner_activation");
        if (f["se_gating_activation"])
          layer.se_gating_activation =
              activation(f["se_gating_activation"], "se_gating_activation");
        break;
      }
      case LayerKind::activation: layer.activation = activation(body, "activation"); break;
      case LayerKind::residual:
        layer.children.push_back(parse_layer(body, str_cat(path, "/layer")));
        break;
      case LayerKind::choice: {
        check_keys(node, "a layer choice", {"one_of", "tag"});
        require(body.IsSequence() && body.size() > 0, body,
                "'one_of' needs a non-empty list of layers");
        Decision d;
        d.path = path;
        d.tag = node["tag"] ? tag(node["tag"]) : Tag::op;
        std::vector<int> child_begin;
        for (std::size_t i = 0; i < body.size(); ++i) {
          child_begin.push_back(space_.num_decisions());
          layer.children.push_back(parse_layer(body[i], str_cat(path, "/choices/", i)));
          d.choices.push_back(Choice{layer_label(layer.children.back()), 0, false});
        }
        child_begin.push_back(space_.num_decisions());
        layer.decision = add_decision(std::move(d), child_begin);
        break;
      }
      case LayerKind::zero:
      case LayerKind::global_avg_pool:
      case LayerKind::detection_endpoint: no_fields(); break;
    }
    return layer;
  }

  static std::string layer_label(const Layer& layer) {
    std::string label = layer_kind_name(layer.kind);
    switch (layer.kind) {
      case LayerKind::conv:
      case LayerKind::sepconv:
      case LayerKind::bottleneck:
        if (!layer.kernel_size.searched()) label += str_cat(" k", layer.kernel_size.options[0]);
        break;
      case LayerKind::activation:
        label += std::string(" ") + activation_name(layer.activation);
        break;
      case LayerKind::residual:
        label += str_cat("(", layer_label(layer.children[0]), ")");
        break;
      case LayerKind::choice:
      case LayerKind::zero:
      case LayerKind::global_avg_pool:
      case LayerKind::detection_endpoint:
        break;
    }
    return label;
  }

  void parse_block(const YAML::Node& node, int index) {
    const std::string path = str_cat("blocks/", index);
    require(node.IsMap(), node, path, ": a block must be a mapping with 'filters' and 'layers'");
    check_keys(node, path, {"filters", "layers"});
    const YAML::Node layers = node["layers"];
    require(static_cast<bool>(layers), node, path, ": missing key 'layers'");
    require(layers.IsSequence() && layers.size() > 0, layers, path,
            ": 'layers' must be a non-empty list");
    require(static_cast<bool>(node["filters"]), node, path, ": missing key 'filters'");
    Block block;
    block.path = path;
    for (std::size_t i = 0; i < layers.size(); ++i)
      block.layers.push_back(parse_layer(layers[i], str_cat(path, "/layers/", i)));
    // The filters decision follows every decision inside the block's layers.
    Decision d;
    d.path = str_cat(path, "/filters");
    d.tag = Tag::filters;
    block.widths = parse_widths(node["filters"], d.tag);
    for (int w : block.widths) d.choices.push_back(Choice{std::to_string(w), static_cast<double>(w), false});
    block.filters_decision = add_decision(std::move(d), {});
    space_.blocks.push_back(std::move(block));
  }

  // filters: 32 | {one_of: [..], tag: ..} | {base: 16, multipliers: [..]}
  std::vector<int> parse_widths(const YAML::Node& node, Tag& decision_tag) const {
    if (!node.IsMap()) return {width(node, "filters")};
    if (node["base"] || node["multipliers"]) {
      check_keys(node, "filters", {"base", "multipliers", "tag"});
      if (node["tag"]) decision_tag = tag(node["tag"]);
      require(node["base"] && node["multipliers"], node,
              "'filters' with multipliers needs both 'base' and 'multipliers'");
      const int base = width(node["base"], "filters.base");
      const YAML::Node ms = node["multipliers"];
      require(ms.IsSequence() && ms.size() > 0, ms, "'filters.multipliers' must be a non-empty list");
      std::set<int> widths;  // sorted, duplicates dropped (spec §2.2)
      for (const YAML::Node& m : ms) {
        const double v = number(m, "filters.multipliers", 0);
        require_ratio(v, m, "filters.multipliers");
        widths.insert(scale_filters(base, v, space_.filters_base));
      }
      return {widths.begin(), widths.end()};
    }
    check_keys(node, "filters", {"one_of", "tag"});
    if (node["tag"]) decision_tag = tag(node["tag"]);
    const YAML::Node choices = node["one_of"];
    require(choices && choices.IsSequence() && choices.size() > 0, node,
            "'filters' must be a width, {one_of: [widths]} or {base: B, multipliers: [..]}");
    std::vector<int> widths;
    for (const YAML::Node& c : choices) widths.push_back(width(c, "filters"));
    return widths;
  }

  std::string source_;
  Space space_;
};

}  // namespace

Space parse_space_yaml(const std::string& text, const std::string& source) {
  return Parser(source).parse(text);
}

Space parse_space_file(const std::string& path) {
  std::ifstream in(path);
  TUNAS_REQUIRE(in.good(), path, ": cannot open the search space file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_space_yaml(text.str(), path);
}

}  // namespace tunas::spaces
