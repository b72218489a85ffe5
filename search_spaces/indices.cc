#include "search_spaces/indices.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "core/error.h"

namespace tunas::spaces {
namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string range_text(const Decision& d) { return str_cat("0..", d.size() - 1); }

}  // namespace

Indices parse_indices(const Space& space, const std::string& text) {
  const std::string body = trim(text);
  const int n = space.num_decisions();
  if (body.empty()) {
    for (const Decision& d : space.decisions) {
      TUNAS_REQUIRE(d.size() == 1, space.name, ": empty index string, but the space has ", n,
                    " decisions and '", d.path, "' has ", d.size(),
                    " choices; give one index per decision as i:j:k:...");
    }
    return Indices(static_cast<std::size_t>(n), 0);
  }
  Indices indices;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = body.find(':', start);
    const std::string item = trim(body.substr(start, colon == std::string::npos ? std::string::npos
                                                                                : colon - start));
    const int position = static_cast<int>(indices.size());
    long value = -1;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    TUNAS_REQUIRE(!item.empty() && ec == std::errc() && end == item.data() + item.size() &&
                      value >= 0,
                  space.name, ": index string entry ", position, " is '", item,
                  "', expected a non-negative integer (format i:j:k:...)");
    if (position < n) {
      const Decision& d = space.decisions[static_cast<std::size_t>(position)];
      TUNAS_REQUIRE(value < d.size(), space.name, ": index ", value, " at position ", position,
                    " (", d.path, ") is out of range: valid ", range_text(d));
    }
    indices.push_back(static_cast<int>(value));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  TUNAS_REQUIRE(static_cast<int>(indices.size()) == n, space.name, ": the index string has ",
                indices.size(), " entries, the space has ", n, " decisions");
  return indices;
}

std::string format_indices(const Indices& indices) {
  std::string out;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (i > 0) out += ':';
    out += std::to_string(indices[i]);
  }
  return out;
}

Indices uniform_indices(const Space& space, Rng& rng) {
  Indices indices(space.decisions.size());
  for (std::size_t i = 0; i < indices.size(); ++i)
    indices[i] = static_cast<int>(rng.uniform_int(static_cast<std::uint32_t>(space.decisions[i].size())));
  return indices;
}

void check_indices(const Space& space, const Indices& indices) {
  TUNAS_REQUIRE(static_cast<int>(indices.size()) == space.num_decisions(), space.name, ": got ",
                indices.size(), " indices, the space has ", space.num_decisions(), " decisions");
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const Decision& d = space.decisions[i];
    TUNAS_REQUIRE(indices[i] >= 0 && indices[i] < d.size(), space.name, ": index ", indices[i],
                  " at position ", i, " (", d.path, ") is out of range: valid ", range_text(d));
  }
}

Masks one_hot_masks(const Space& space, const Indices& indices) {
  check_indices(space, indices);
  Masks masks(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    masks[i].assign(static_cast<std::size_t>(space.decisions[i].size()), 0.f);
    masks[i][static_cast<std::size_t>(indices[i])] = 1.f;
  }
  return masks;
}

void check_masks(const Space& space, const Masks& masks) {
  TUNAS_REQUIRE(static_cast<int>(masks.size()) == space.num_decisions(), space.name, ": got ",
                masks.size(), " masks, the space has ", space.num_decisions(), " decisions");
  for (std::size_t i = 0; i < masks.size(); ++i) {
    const Decision& d = space.decisions[i];
    TUNAS_REQUIRE(static_cast<int>(masks[i].size()) == d.size(), space.name, ": the mask of ",
                  d.path, " has ", masks[i].size(), " entries, the decision has ", d.size(),
                  " choices");
    for (float v : masks[i]) {
      TUNAS_REQUIRE(std::isfinite(v), space.name, ": the mask of ", d.path, " is not finite");
    }
  }
}

Indices argmax_indices(const Masks& masks) {
  Indices out;
  out.reserve(masks.size());
  for (const auto& m : masks) {
    int best = 0;
    for (std::size_t i = 1; i < m.size(); ++i) {
      if (m[i] > m[static_cast<std::size_t>(best)]) best = static_cast<int>(i);
    }
    out.push_back(best);
  }
  return out;
}

}  // namespace tunas::spaces
