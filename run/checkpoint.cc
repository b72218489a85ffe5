#include "run/checkpoint.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/files.h"

namespace tunas::run {

namespace {
constexpr char kMagic[8] = {'T', 'U', 'N', 'A', 'S', 'C', 'K', 'P'};

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += char((v >> (8 * i)) & 0xff);
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += char((v >> (8 * i)) & 0xff);
}
std::uint64_t fnv1a(const std::uint8_t* data, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= data[i];
    h *= 1099511628211ull;
  }
  return h;
}

struct Reader {
  std::span<const std::uint8_t> bytes;
  std::size_t pos = 0;
  const std::string& origin;
  // pos <= bytes.size() always holds, so this form cannot overflow (pos + n can, for a
  // crafted 64-bit section length).
  void need(std::uint64_t n) const {
    TUNAS_REQUIRE(n <= bytes.size() - pos, origin, ": checkpoint is truncated at byte ", pos,
                  " (needs ", n, " more of ", bytes.size(), ")");
  }
  std::uint64_t u(int width) {
    need(std::size_t(width));
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i) v |= std::uint64_t(bytes[pos + i]) << (8 * i);
    pos += std::size_t(width);
    return v;
  }
};
}  // namespace

void Checkpoint::put(const std::string& name, std::vector<std::uint8_t> bytes) {
  sections_[name] = std::move(bytes);
}

void Checkpoint::put_floats(const std::string& name, const float* data, std::int64_t count) {
  std::vector<std::uint8_t> b(std::size_t(count) * sizeof(float));
  if (count > 0) std::memcpy(b.data(), data, b.size());  // host order: little-endian x86/ARM
  put(name, std::move(b));
}

void Checkpoint::put_string(const std::string& name, const std::string& text) {
  put(name, std::vector<std::uint8_t>(text.begin(), text.end()));
}

void Checkpoint::put_i64(const std::string& name, std::int64_t value) {
  std::vector<std::uint8_t> b(8);
  for (int i = 0; i < 8; ++i) b[i] = std::uint8_t((std::uint64_t(value) >> (8 * i)) & 0xff);
  put(name, std::move(b));
}

const std::vector<std::uint8_t>& Checkpoint::get(const std::string& name) const {
  auto it = sections_.find(name);
  TUNAS_REQUIRE(it != sections_.end(), origin_, ": checkpoint has no section '", name, "'");
  return it->second;
}

void Checkpoint::get_floats(const std::string& name, float* data, std::int64_t count) const {
  const auto& b = get(name);
  TUNAS_REQUIRE(b.size() == std::size_t(count) * sizeof(float), origin_, ": checkpoint section '",
                name, "' holds ", b.size() / sizeof(float), " floats, expected ", count,
                " (was the run started with other settings?)");
  if (count > 0) std::memcpy(data, b.data(), b.size());
}

void Checkpoint::get_finite_floats(const std::string& name, float* data, std::int64_t count) const {
  get_floats(name, data, count);
  for (std::int64_t i = 0; i < count; ++i) {
    TUNAS_REQUIRE(std::isfinite(data[i]), origin_, ": checkpoint section '", name, "' holds ",
                  data[i], " at index ", i, " (a corrupt file or a diverged run; not restored)");
  }
}

std::string Checkpoint::get_string(const std::string& name) const {
  const auto& b = get(name);
  return std::string(b.begin(), b.end());
}

std::int64_t Checkpoint::get_i64(const std::string& name) const {
  const auto& b = get(name);
  TUNAS_REQUIRE(b.size() == 8, origin_, ": checkpoint section '", name, "' is not an integer");
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t(b[i]) << (8 * i);
  return std::int64_t(v);
}

std::string Checkpoint::serialize() const {
  std::string out(kMagic, sizeof kMagic);
  put_u32(out, kCheckpointVersion);
  put_u32(out, std::uint32_t(sections_.size()));
  for (const auto& [name, bytes] : sections_) {
    put_u32(out, std::uint32_t(name.size()));
    out += name;
    put_u64(out, bytes.size());
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  put_u64(out, fnv1a(reinterpret_cast<const std::uint8_t*>(out.data()), out.size()));
  return out;
}

Checkpoint Checkpoint::parse(std::span<const std::uint8_t> bytes, const std::string& origin) {
  Checkpoint c;
  c.origin_ = origin;
  Reader r{bytes, 0, c.origin_};
  r.need(sizeof kMagic);
  TUNAS_REQUIRE(std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0, origin,
                ": not a tunas checkpoint (bad magic)");
  r.pos = sizeof kMagic;
  const auto version = r.u(4);
  TUNAS_REQUIRE(version == kCheckpointVersion, origin, ": checkpoint version ", version,
                " is not supported (this build reads version ", kCheckpointVersion, ")");
  const auto count = r.u(4);
  for (std::uint64_t s = 0; s < count; ++s) {
    const auto name_len = r.u(4);
    r.need(name_len);
    std::string name(reinterpret_cast<const char*>(bytes.data() + r.pos), name_len);
    r.pos += name_len;
    TUNAS_REQUIRE(c.sections_.count(name) == 0, origin, ": checkpoint has the section '", name,
                  "' twice");
    const auto len = r.u(8);
    r.need(len);
    c.sections_[name].assign(bytes.begin() + std::ptrdiff_t(r.pos),
                             bytes.begin() + std::ptrdiff_t(r.pos + len));
    r.pos += len;
  }
  const std::size_t body = r.pos;
  const auto hash = r.u(8);
  TUNAS_REQUIRE(hash == fnv1a(bytes.data(), body), origin,
                ": checkpoint is corrupt (checksum mismatch)");
  TUNAS_REQUIRE(r.pos == bytes.size(), origin, ": checkpoint has ", bytes.size() - r.pos,
                " trailing bytes");
  return c;
}

void write_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  write_file_atomic(path, checkpoint.serialize());
}

Checkpoint read_checkpoint(const std::string& path) {
  const std::string data = read_file(path);
  return Checkpoint::parse(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()),
      path);
}

}  // namespace tunas::run
