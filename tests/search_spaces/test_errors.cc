// Bad input: every error names the file and line (YAML) or the decision path and the valid
// range (index strings), and is a tunas::Error.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "search_spaces/catalog.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"
#include "search_spaces/parse.h"
#include "search_spaces/rounding.h"

namespace {

using namespace tunas::spaces;
using doctest::Contains;

void check_yaml_error(const std::string& yaml, const std::string& expected) {
  CAPTURE(yaml);
  CHECK_THROWS_WITH_AS(parse_space_yaml(yaml, "user.yaml"), Contains(expected.c_str()), tunas::Error);
}

const std::string kHead = "blocks:\n  - filters: 32\n    layers:\n";

}  // namespace

TEST_CASE("YAML errors name file:line:column and the valid choices") {
  check_yaml_error("blocks: [\n", "user.yaml:2:1: YAML syntax error");
  check_yaml_error("- 1\n- 2\n", "user.yaml: a search space file must be a YAML mapping");
  check_yaml_error("blocks: []\nfoo: 1\n", "user.yaml:2:1: unknown key 'foo' in the top level (valid keys: name,");
  check_yaml_error("name: x\n", "user.yaml: missing key 'blocks'");
  check_yaml_error(kHead + "      - conv: {kernel_size: 3, stride: 2}\n",
                   "user.yaml:4:32: unknown key 'stride' in conv (valid keys: kernel_size, strides, use_batch_norm)");
  check_yaml_error(kHead + "      - convolution: {kernel_size: 3}\n",
                   "user.yaml:4:9: unknown layer kind 'convolution' (valid: conv, sepconv, bottleneck");
  check_yaml_error(kHead + "      - pool\n", "user.yaml:4:9: unknown layer kind 'pool'");
  check_yaml_error(kHead + "      - conv\n", "user.yaml:4:9: layer 'conv' needs its fields");
  check_yaml_error(kHead + "      - conv: {kernel_size: three}\n",
                   "user.yaml:4:29: 'kernel_size' must be an integer, got 'three'");
  check_yaml_error(kHead + "      - conv: {kernel_size: 0}\n", "'kernel_size' must be an integer >= 1, got 0");
  check_yaml_error(kHead + "      - conv: {kernel_size: [3, 5]}\n", "user.yaml:4:29: 'kernel_size' must be an integer");
  check_yaml_error(kHead + "      - conv: {strides: 2}\n", "user.yaml:4:15: 'conv' needs the field 'kernel_size'");
  check_yaml_error(kHead + "      - activation: gelu\n",
                   "user.yaml:4:21: unknown activation 'gelu' for 'activation' (valid: relu, relu6, swish6, swish, sigmoid)");
  check_yaml_error(kHead + "      - bottleneck: {kernel_size: 3, expansion_filters: y6}\n",
                   "user.yaml:4:57: 'expansion_filters' must be an integer, got 'y6'");
  check_yaml_error(kHead + "      - bottleneck: {kernel_size: 3, expansion_filters: x0}\n",
                   "'expansion_filters' multiplier must look like x6 or x2.5");
  check_yaml_error(kHead + "      - bottleneck: {kernel_size: 3, expansion_filters: {one_of: [x3, 96]}}\n",
                   "decision 'expansion_filters' mixes relative (x<r>) and absolute values");
  check_yaml_error(kHead + "      - conv: {kernel_size: {one_of: []}}\n",
                   "decision 'kernel_size' needs 'one_of:' with a non-empty list");
  check_yaml_error(kHead + "      - conv: {kernel_size: {choose: [3]}}\n", "unknown key 'choose' in the decision 'kernel_size'");
  check_yaml_error(kHead + "      - one_of: [zero]\n        tag: ops\n", "user.yaml:5:14: unknown tag 'ops' (valid: op, filters)");
  check_yaml_error(kHead + "      - conv: {kernel_size: 3, use_batch_norm: maybe}\n",
                   "'use_batch_norm' must be true or false, got 'maybe'");
  check_yaml_error(kHead + "      - zero: {x: 1}\n", "'zero' has no fields");
  check_yaml_error(kHead + "      - conv: {kernel_size: 3, kernel_size: 5}\n", "duplicate key 'kernel_size' in conv");
  check_yaml_error("blocks:\n  - layers: [zero]\n", "user.yaml:2:5: blocks/0: missing key 'filters'");
  check_yaml_error("blocks:\n  - filters: 32\n", "blocks/0: missing key 'layers'");
  check_yaml_error("blocks:\n  - {filters: {base: 16}, layers: [zero]}\n",
                   "'filters' with multipliers needs both 'base' and 'multipliers'");
  check_yaml_error("network: {resolution: -4}\n" + kHead + "      - zero\n",
                   "user.yaml:1:23: 'network.resolution' must be an integer >= 1, got -4");
  check_yaml_error("network: {stride_overrides: {blocks/0/layers/0: 1}}\n" + kHead + "      - zero\n",
                   "stride override 'blocks/0/layers/0' names no conv");
  // Shape rules.
  check_yaml_error("blocks:\n  - filters: 8\n    layers: [{residual: {conv: {kernel_size: 3}}}]\n",
                   "user.yaml:3:14: blocks/0/layers/0: a residual needs equal input and output widths");
  check_yaml_error(kHead + "      - conv: {kernel_size: 3}\n      - residual: {conv: {kernel_size: 3, strides: 2}}\n",
                   "blocks/0/layers/1: the layer inside a residual must keep the spatial size (stride 1), got 224 -> 112");
  check_yaml_error(kHead + "      - one_of: [{conv: {kernel_size: 3}}, {conv: {kernel_size: 3, strides: 2}}]\n",
                   "blocks/0/layers/0: the options of a layer choice must give one output size, got 224 and 112");
}

// Widths and ratios a user can mistype into an int overflow (UB in the rounding; fuzz_space_yaml
// found expansion_filters: x111...1) are refused with the line and the stated limit.
TEST_CASE("widths and width ratios beyond kMaxFilters name the line and the limit") {
  check_yaml_error("blocks:\n  - filters: 2000000\n    layers: [zero]\n",
                   "user.yaml:2:14: 'filters' must be at most 1048576 filters, got 2000000");
  check_yaml_error("filters_base: 1048577\nblocks: []\n", "'filters_base' must be at most 1048576");
  check_yaml_error(kHead + "      - bottleneck: {kernel_size: 3, expansion_filters: x1111111111111111111111}\n",
                   "user.yaml:4:57: 'expansion_filters' must be a ratio in (0, 1048576], got "
                   "x1111111111111111111111");
  check_yaml_error("blocks:\n  - filters: {base: 8, multipliers: [1e9]}\n    layers: [zero]\n",
                   "'filters.multipliers' must be a ratio in (0, 1048576], got 1e9");
  // Each number within its limit, the product beyond it: refused where it is computed.
  const std::string wide = "blocks:\n  - filters: 1048576\n    layers:\n"
                           "      - conv: {kernel_size: 1}\n"
                           "      - bottleneck: {kernel_size: 3, expansion_filters: x6}\n";
  CHECK_THROWS_WITH_AS((void)parse_space_yaml(wide, "user.yaml"),
                       Contains("a width of 1048576 x 6 is more than the 1048576 filters a layer may have"),
                       tunas::Error);
  CHECK(scale_filters(1048576, 1, 8) == 1048576);  // the limit itself is a width
}

TEST_CASE("a file that cannot be read is named") {
  CHECK_THROWS_WITH_AS(parse_space_file("/nonexistent/space.yaml"),
                       Contains("/nonexistent/space.yaml: cannot open the search space file"), tunas::Error);
}

TEST_CASE("index string errors name the position, the decision path and the valid range") {
  const Space space = load_space("proxylessnas_search");
  std::string ok;
  for (int i = 0; i < 73; ++i) ok += i ? ":0" : "0";
  CHECK(parse_indices(space, "  " + ok + "\n") == Indices(73, 0));
  CHECK(format_indices(parse_indices(space, ok)) == ok);
  CHECK_THROWS_WITH_AS(parse_indices(space, ok + ":0"), Contains("the index string has 74 entries, the space has 73 decisions"),
                       tunas::Error);
  CHECK_THROWS_WITH_AS(parse_indices(space, "0:0"), Contains("has 2 entries, the space has 73"), tunas::Error);
  std::string bad = ok;
  bad[2] = '3';  // position 1: blocks/1/layers/0 has 3 choices
  CHECK_THROWS_WITH_AS(parse_indices(space, bad), Contains("index 3 at position 1 (blocks/1/layers/0) is out of range: valid 0..2"),
                       tunas::Error);
  bad = ok;
  bad[0] = '1';
  CHECK_THROWS_WITH_AS(parse_indices(space, bad), Contains("index 1 at position 0 (blocks/0/filters) is out of range: valid 0..0"),
                       tunas::Error);
  CHECK_THROWS_WITH_AS(parse_indices(space, "0:x:0"), Contains("entry 1 is 'x', expected a non-negative integer"), tunas::Error);
  CHECK_THROWS_WITH_AS(parse_indices(space, "0:-1:0"), Contains("entry 1 is '-1'"), tunas::Error);
  CHECK_THROWS_WITH_AS(parse_indices(space, "0::0"), Contains("entry 1 is ''"), tunas::Error);
  CHECK_THROWS_WITH_AS(parse_indices(space, ""), Contains("empty index string, but the space has 73 decisions"), tunas::Error);
  Indices wrong(73, 0);
  wrong[8] = 2;
  CHECK_THROWS_WITH_AS(resolve(space, wrong),
                       Contains("index 2 at position 8 (blocks/2/layers/1/layer) is out of range: valid 0..1"), tunas::Error);
  // A zero picked where the width changes cannot be resolved.
  const Space zero_first = parse_space_yaml(kHead + "      - one_of: [zero, {conv: {kernel_size: 3}}]\n", "z.yaml");
  CHECK_THROWS_WITH_AS(resolve(zero_first, {0, 0}), Contains("z.yaml:4:18: blocks/0/layers/0/choices/0: zero picked where the width changes (3 -> 32)"),
                       tunas::Error);
}

TEST_CASE("unknown spaces list the known ones; TUNAS_DATA_DIR moves the data root") {
  CHECK_THROWS_WITH_AS(load_space("proxylessnas_serch"),
                       Contains("unknown search space 'proxylessnas_serch': no file"), tunas::Error);
  CHECK_THROWS_WITH_AS(load_space("proxylessnas_serch"), Contains("known spaces: mnasnet_b1, mobilenet_v2"), tunas::Error);
  CHECK_THROWS_WITH_AS(load_space("missing/dir/space.yaml"), Contains("missing/dir/space.yaml: no such search space file"),
                       tunas::Error);
  const std::string empty = (std::filesystem::temp_directory_path() / "tunas_empty_data_root").string();
  std::filesystem::create_directories(empty);
  ::setenv("TUNAS_DATA_DIR", empty.c_str(), 1);
  CHECK(data_root() == empty);
  CHECK_THROWS_WITH_AS(load_space("proxylessnas_search"), Contains("known spaces: none found"), tunas::Error);
  ::setenv("TUNAS_DATA_DIR", TUNAS_SOURCE_DIR, 1);
  CHECK(load_space("proxylessnas_search").num_decisions() == 73);
  ::unsetenv("TUNAS_DATA_DIR");
  CHECK(data_root() == std::string(TUNAS_SOURCE_DIR));
}
