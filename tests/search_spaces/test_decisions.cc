// Decision lists of the three TuNAS spaces against the spec's appendix tables (committed
// copies) and against /work/shared/data/tunas_spaces.json (walked independently here).
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <map>
#include <sstream>

#include "search_spaces/catalog.h"
#include "search_spaces/space.h"
#include "tests/search_spaces/spaces_test_util.h"

namespace {

using namespace tunas::spaces;
using tunas::test::read_tsv;
using tunas::test::spaces_test_data;
using tunas::test::split_list;

std::string joined_labels(const Decision& d) {
  std::string out;
  for (const Choice& c : d.choices) out += (out.empty() ? "" : ", ") + c.label;
  return out;
}

// Compares a space's decisions with an appendix table (pos, path, tag, choices).
void check_against_table(const Space& space, const std::vector<std::vector<std::string>>& rows) {
  REQUIRE(space.num_decisions() == static_cast<int>(rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Decision& d = space.decisions[i];
    CAPTURE(i);
    CHECK(rows[i][0] == std::to_string(i));
    CHECK(d.path == rows[i][1]);
    CHECK(tag_name(d.tag) == rows[i][2]);
    std::string expected = rows[i][3];
    // The appendix writes a layer with a searched kernel as "sepconv k(searched)".
    const std::string searched = " k(searched)";
    if (auto at = expected.find(searched); at != std::string::npos) expected.erase(at, searched.size());
    CHECK(joined_labels(d) == expected);
  }
}

double mantissa(double log10_value) { return std::pow(10.0, log10_value - std::floor(log10_value)); }

}  // namespace

TEST_CASE("proxylessnas_search: 73 decisions, 43 op + 30 filters, ~2.16e21, Appendix A") {
  const Space space = load_space("proxylessnas_search");
  CHECK(space.num_decisions() == 73);
  CHECK(space.count_tag(Tag::op) == 43);
  CHECK(space.count_tag(Tag::filters) == 30);
  int multi = 0;
  for (const Decision& d : space.decisions) multi += d.size() > 1;
  CHECK(multi == 58);
  CHECK(std::floor(space.log10_cardinality()) == 21);
  CHECK(mantissa(space.log10_cardinality()) == doctest::Approx(2.16).epsilon(0.003));
  CHECK(space.target_latency_ms == 84);
  CHECK(space.weight_decay == doctest::Approx(4e-5));
  check_against_table(space, read_tsv(spaces_test_data("appendix_a_proxylessnas_search.tsv")));
}

TEST_CASE("proxylessnas_enlarged_search: Appendix A positions with the §2.2 width lists") {
  const Space space = load_space("proxylessnas_enlarged_search");
  CHECK(space.num_decisions() == 73);
  CHECK(space.count_tag(Tag::op) == 43);
  CHECK(space.count_tag(Tag::filters) == 30);
  int multi = 0;
  for (const Decision& d : space.decisions) multi += d.size() > 1;
  CHECK(multi == 67);
  CHECK(std::floor(space.log10_cardinality()) == 28);
  CHECK(mantissa(space.log10_cardinality()) == doctest::Approx(1.39).epsilon(0.004));
  auto rows = read_tsv(spaces_test_data("appendix_a_proxylessnas_search.tsv"));
  const auto widths = read_tsv(spaces_test_data("enlarged_widths.tsv"));
  REQUIRE(widths.size() == 9);
  for (const auto& w : widths) {
    const std::string path = "blocks/" + w[0] + "/filters";
    bool replaced = false;
    for (auto& row : rows) {
      if (row[1] == path) {
        row[3] = w[2];
        replaced = true;
      }
    }
    CHECK(replaced);
  }
  check_against_table(space, rows);
  for (std::size_t b = 0; b < widths.size(); ++b) {
    CHECK(space.blocks[b].widths.size() == split_list(widths[b][2]).size());
  }
}

TEST_CASE("mobilenet_v3_like_search: 86 decisions, all multi-choice, ~8.48e42, Appendix B") {
  const Space space = load_space("mobilenet_v3_like_search");
  CHECK(space.num_decisions() == 86);
  CHECK(space.count_tag(Tag::op) == 58);
  CHECK(space.count_tag(Tag::filters) == 28);
  for (const Decision& d : space.decisions) CHECK(d.size() > 1);
  CHECK(std::floor(space.log10_cardinality()) == 42);
  CHECK(mantissa(space.log10_cardinality()) == doctest::Approx(8.48).epsilon(0.001));
  CHECK(space.target_latency_ms == 57);
  CHECK(space.weight_decay == doctest::Approx(3e-5));
  check_against_table(space, read_tsv(spaces_test_data("appendix_b_mobilenet_v3_like_search.tsv")));
}

TEST_CASE("parent links follow the choices/<i> path rule; largest_choice is the arg-max value") {
  for (const char* name : {"proxylessnas_search", "proxylessnas_enlarged_search", "mobilenet_v3_like_search"}) {
    CAPTURE(name);
    const Space space = load_space(name);
    std::map<std::string, int> by_path;
    for (int i = 0; i < space.num_decisions(); ++i) by_path[space.decisions[static_cast<std::size_t>(i)].path] = i;
    for (int i = 0; i < space.num_decisions(); ++i) {
      const Decision& d = space.decisions[static_cast<std::size_t>(i)];
      CAPTURE(d.path);
      const std::size_t at = d.path.rfind("/choices/");
      if (at == std::string::npos) {
        CHECK(d.parent_decision == -1);
        CHECK(d.parent_choice == -1);
      } else {
        const std::string parent = d.path.substr(0, at);
        const int choice = std::stoi(d.path.substr(at + 9));
        REQUIRE(by_path.count(parent));
        CHECK(d.parent_decision == by_path[parent]);
        CHECK(d.parent_choice == choice);
        CHECK(d.parent_decision > i);  // post-order: children first
      }
      for (const Choice& c : d.choices) CHECK(c.value <= d.choices[static_cast<std::size_t>(d.largest_choice)].value);
      if (d.tag == Tag::filters) CHECK(d.largest_choice == d.size() - 1);  // widths sorted, x6 last
    }
    // Every block's filters decision comes after every decision inside its layers.
    for (std::size_t b = 0; b < space.blocks.size(); ++b) {
      const int f = space.blocks[b].filters_decision;
      CHECK(space.decisions[static_cast<std::size_t>(f)].path == "blocks/" + std::to_string(b) + "/filters");
      for (int i = 0; i < space.num_decisions(); ++i) {
        const std::string& p = space.decisions[static_cast<std::size_t>(i)].path;
        if (p.rfind("blocks/" + std::to_string(b) + "/layers/", 0) == 0) CHECK(i < f);
      }
    }
  }
}

namespace {

// An independent post-order walk of tunas_spaces.json.
struct JsonDecision {
  std::string path, tag;
  std::vector<std::string> choices;  // "3", "x6", "true", or a layer kind
};

std::string rename(const std::string& field) {
  if (field == "expansion") return "expansion_filters";
  if (field == "se") return "use_squeeze_and_excite";
  return field;
}

std::string describe(const YAML::Node& c) {
  if (c.IsMap()) {
    const std::string kind = c["kind"].as<std::string>();
    if (kind == "multiplier") {
      std::ostringstream os;
      os << "x" << c["scale"].as<double>();
      return os.str();
    }
    return kind;
  }
  return c.Scalar();
}

void walk(const YAML::Node& node, const std::string& path, const YAML::Node& field_order,
          std::vector<JsonDecision>& out) {
  if (!node.IsMap()) return;
  const std::string kind = node["kind"].as<std::string>();
  if (kind == "oneof") {
    JsonDecision d{path, node["tag"].as<std::string>(), {}};
    const YAML::Node choices = node["choices"];
    for (std::size_t i = 0; i < choices.size(); ++i) {
      walk(choices[i], path + "/choices/" + std::to_string(i), field_order, out);
      d.choices.push_back(describe(choices[i]));
    }
    out.push_back(d);
    return;
  }
  for (const YAML::Node& f : field_order[kind]) {
    const std::string field = f.as<std::string>();
    if (node[field]) walk(node[field], path + "/" + rename(field), field_order, out);
  }
}

std::string our_choice(const Choice& c) {
  if (c.relative) {
    std::ostringstream os;
    os << "x" << c.value;
    return os.str();
  }
  if (c.label == "SE on") return "true";
  if (c.label == "SE off") return "false";
  return c.label.substr(0, c.label.find(' '));  // "sepconv k3" -> "sepconv"
}

}  // namespace

TEST_CASE("decision lists equal an independent walk of shared/data/tunas_spaces.json") {
  const std::string file = tunas::test::shared_data("tunas_spaces.json");
  if (file.empty()) {
    MESSAGE("skipped: ../shared/data/tunas_spaces.json not found beside the checkout");
    return;
  }
  const YAML::Node root = YAML::LoadFile(file);
  const YAML::Node order = root["node_field_order"];
  for (const char* name : {"proxylessnas_search", "proxylessnas_enlarged_search", "mobilenet_v3_like_search"}) {
    CAPTURE(name);
    std::vector<JsonDecision> expected;
    const YAML::Node blocks = root["spaces"][name]["blocks"];
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      const std::string bp = "blocks/" + std::to_string(b);
      const YAML::Node layers = blocks[b]["layers"];
      for (std::size_t l = 0; l < layers.size(); ++l)
        walk(layers[l], bp + "/layers/" + std::to_string(l), order, expected);
      walk(blocks[b]["filters"], bp + "/filters", order, expected);
    }
    const Space space = load_space(name);
    REQUIRE(space.num_decisions() == static_cast<int>(expected.size()));
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const Decision& d = space.decisions[i];
      CAPTURE(i);
      CHECK(d.path == expected[i].path);
      CHECK(tag_name(d.tag) == expected[i].tag);
      REQUIRE(d.size() == static_cast<int>(expected[i].choices.size()));
      for (std::size_t c = 0; c < expected[i].choices.size(); ++c)
        CHECK(our_choice(d.choices[c]) == expected[i].choices[c]);
    }
  }
}

TEST_CASE("reference architectures are fixed: only single-choice width decisions") {
  for (const char* name : {"mobilenet_v2", "mnasnet_b1", "proxylessnas_mobile", "mobilenet_v3_large"}) {
    CAPTURE(name);
    const Space space = load_space(name);
    CHECK(space.log10_cardinality() == 0.0);
    for (const Decision& d : space.decisions) CHECK(d.tag == Tag::filters);
    CHECK(space.num_decisions() == static_cast<int>(space.blocks.size()));
  }
}

TEST_CASE("known_spaces lists the seven named spaces") {
  const auto names = known_spaces();
  for (const char* name : {"mnasnet_b1", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_like_search",
                           "proxylessnas_enlarged_search", "proxylessnas_mobile", "proxylessnas_search"}) {
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
  }
}
