// Index strings (search_spaces/indices.h) against the tiny test space and a TuNAS space.
#include "core/error.h"
#include "fuzz_input.h"
#include "search_spaces/catalog.h"
#include "search_spaces/indices.h"
#include "search_spaces/network.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tunas::spaces::Space tiny =
      tunas::spaces::load_space(std::string(TUNAS_SOURCE_DIR) + "/tests/search/tiny_space.yaml");
  static const tunas::spaces::Space proxyless = tunas::spaces::load_space("proxylessnas_search");
  const std::string text = tunas::fuzz::as_text(data, size);
  for (const tunas::spaces::Space* space : {&tiny, &proxyless}) {
    try {
      const tunas::spaces::Indices indices = tunas::spaces::parse_indices(*space, text);
      (void)tunas::spaces::count_params(tunas::spaces::resolve(*space, indices));
    } catch (const tunas::Error&) {
    }
  }
  return 0;
}
