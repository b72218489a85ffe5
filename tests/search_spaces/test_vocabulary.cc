// The two vocabularies (core/activation.h, search_spaces/layer_kind.h) against the spellings
// that TuNAS space files use, written out here independently of the X-macro lists.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "core/activation.h"
#include "search_spaces/layer_kind.h"

using namespace tunas;
using spaces::LayerKind;

TEST_CASE("activations: every YAML spelling round-trips, none is not one") {
  const struct {
    const char* spelling;
    Activation activation;
  } expected[] = {{"relu", Activation::relu},
                  {"relu6", Activation::relu6},
                  {"swish6", Activation::hswish},
                  {"swish", Activation::swish},
                  {"sigmoid", Activation::sigmoid}};
  std::set<int> values = {int(Activation::none)};
  for (const auto& e : expected) {
    CAPTURE(e.spelling);
    Activation found = Activation::none;
    REQUIRE(find_activation(e.spelling, found));
    CHECK(found == e.activation);
    CHECK(std::string(activation_name(e.activation)) == e.spelling);
    values.insert(int(e.activation));
  }
  // Values are dense from 0 and the kernels' tables keep their order (none..swish = 0..5).
  CHECK(kActivationCount == 6);
  CHECK(values.size() == std::size_t(kActivationCount));
  CHECK(int(Activation::sigmoid) == 4);
  CHECK(int(Activation::swish) == 5);
  Activation found = Activation::relu;
  CHECK_FALSE(find_activation("none", found));
  CHECK_FALSE(find_activation("hswish", found));
  CHECK_FALSE(find_activation("", found));
  CHECK(std::string(activation_name(Activation::none)) == "none");
  CHECK(activation_spellings() == "relu, relu6, swish6, swish, sigmoid");
}

TEST_CASE("layer kinds: every YAML spelling round-trips; bare names have no fields") {
  const struct {
    const char* spelling;
    LayerKind kind;
    bool fields;
  } expected[] = {{"conv", LayerKind::conv, true},
                  {"sepconv", LayerKind::sepconv, true},
                  {"bottleneck", LayerKind::bottleneck, true},
                  {"activation", LayerKind::activation, true},
                  {"residual", LayerKind::residual, true},
                  {"one_of", LayerKind::choice, true},
                  {"zero", LayerKind::zero, false},
                  {"global_avg_pool", LayerKind::global_avg_pool, false},
                  {"detection_endpoint", LayerKind::detection_endpoint, false}};
  for (const auto& e : expected) {
    CAPTURE(e.spelling);
    LayerKind found = LayerKind::zero;
    REQUIRE(spaces::find_layer_kind(e.spelling, found));
    CHECK(found == e.kind);
    CHECK(std::string(spaces::layer_kind_name(e.kind)) == e.spelling);
    CHECK(spaces::layer_kind_has_fields(e.kind) == e.fields);
  }
  LayerKind found = LayerKind::conv;
  CHECK_FALSE(spaces::find_layer_kind("choice", found));
  CHECK_FALSE(spaces::find_layer_kind("classifier", found));
  CHECK(spaces::layer_kind_spellings() ==
        "conv, sepconv, bottleneck, activation, residual, one_of, zero, global_avg_pool, "
        "detection_endpoint");
}
