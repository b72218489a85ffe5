#include "policy/controller_state.h"

#include <bit>
#include <cstring>
#include <istream>
#include <ostream>
#include <string_view>

#include "core/error.h"

namespace tunas::policy {
namespace {

constexpr std::string_view kMagic = "TUNASPOL";
// Guards allocations when a corrupt header claims absurd sizes.
constexpr std::uint64_t kMaxCount = std::uint64_t(1) << 28;

class Writer {
 public:
  void bytes(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    out_.insert(out_.end(), p, p + size);
  }
  void u64(std::uint64_t x) {
    for (int i = 0; i < 8; ++i) out_.push_back(std::uint8_t(x >> (8 * i)));
  }
  void u32(std::uint32_t x) {
    for (int i = 0; i < 4; ++i) out_.push_back(std::uint8_t(x >> (8 * i)));
  }
  void f64(double x) { u64(std::bit_cast<std::uint64_t>(x)); }
  void f64s(const std::vector<double>& xs) {
    for (double x : xs) f64(x);
  }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  std::vector<std::uint8_t> out_;
};

// Reads from a byte span, or pulls bytes on demand from a stream.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  explicit Reader(std::istream* in) : in_(in) {}

  void read(void* dst, std::size_t size) {
    if (in_ != nullptr) {
      in_->read(static_cast<char*>(dst), std::streamsize(size));
      TUNAS_REQUIRE(in_->gcount() == std::streamsize(size),
                    "controller state: stream ended early (truncated state)");
      return;
    }
    TUNAS_REQUIRE(bytes_.size() - pos_ >= size, "controller state: truncated, needed ", size,
                  " more bytes at offset ", pos_, " of ", bytes_.size());
    std::memcpy(dst, bytes_.data() + pos_, size);
    pos_ += size;
  }
  std::uint64_t u64() {
    std::uint8_t b[8];
    read(b, 8);
    std::uint64_t x = 0;
    for (int i = 7; i >= 0; --i) x = (x << 8) | b[i];
    return x;
  }
  std::uint32_t u32() {
    std::uint8_t b[4];
    read(b, 4);
    return std::uint32_t(b[0]) | std::uint32_t(b[1]) << 8 | std::uint32_t(b[2]) << 16 |
           std::uint32_t(b[3]) << 24;
  }
  double f64() { return std::bit_cast<double>(u64()); }
  std::uint64_t count(const char* what) {
    const std::uint64_t n = u64();
    TUNAS_REQUIRE(n <= kMaxCount, "controller state: implausible ", what, " count ", n);
    return n;
  }
  std::vector<double> f64s(std::uint64_t n) {
    std::vector<double> xs(n);
    for (double& x : xs) x = f64();
    return xs;
  }
  std::size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::istream* in_ = nullptr;
};

ControllerState decode(Reader& reader) {
  char magic[8];
  reader.read(magic, sizeof magic);
  TUNAS_REQUIRE(std::string_view(magic, 8) == kMagic,
                "controller state: bad magic (not a TuNAS policy state)");
  const std::uint32_t version = reader.u32();
  TUNAS_REQUIRE(version == kControllerStateVersion, "controller state: unsupported version ",
                version, " (this build reads version ", kControllerStateVersion, ")");
  ControllerState s;
  s.num_choices.resize(reader.count("decision"));
  for (int& n : s.num_choices) n = int(std::int32_t(reader.u32()));
  s.step = std::int64_t(reader.u64());
  const std::uint64_t n = reader.count("logit");
  s.logits = reader.f64s(n);
  s.adam_m = reader.f64s(n);
  s.adam_v = reader.f64s(n);
  s.adam_beta1_power = reader.f64();
  s.adam_beta2_power = reader.f64();
  s.baseline_numerator = reader.f64();
  s.baseline_denominator = reader.f64();
  s.seed = reader.u64();
  s.rng_positions.resize(reader.count("replica"));
  for (std::uint64_t& p : s.rng_positions) p = reader.u64();
  return s;
}

}  // namespace

std::vector<std::uint8_t> encode_controller_state(const ControllerState& s) {
  TUNAS_REQUIRE(s.adam_m.size() == s.logits.size() && s.adam_v.size() == s.logits.size(),
                "controller state: logits, m and v differ in length (", s.logits.size(), ", ",
                s.adam_m.size(), ", ", s.adam_v.size(), ")");
  Writer w;
  w.bytes(kMagic.data(), kMagic.size());
  w.u32(kControllerStateVersion);
  w.u64(s.num_choices.size());
  for (int n : s.num_choices) w.u32(std::uint32_t(std::int32_t(n)));
  w.u64(std::uint64_t(s.step));
  w.u64(s.logits.size());
  w.f64s(s.logits);
  w.f64s(s.adam_m);
  w.f64s(s.adam_v);
  w.f64(s.adam_beta1_power);
  w.f64(s.adam_beta2_power);
  w.f64(s.baseline_numerator);
  w.f64(s.baseline_denominator);
  w.u64(s.seed);
  w.u64(s.rng_positions.size());
  for (std::uint64_t p : s.rng_positions) w.u64(p);
  return w.take();
}

ControllerState decode_controller_state(std::span<const std::uint8_t> bytes) {
  Reader reader(bytes);
  ControllerState s = decode(reader);
  TUNAS_REQUIRE(reader.remaining() == 0, "controller state: ", reader.remaining(),
                " trailing bytes after the state");
  return s;
}

void write_controller_state(std::ostream& out, const ControllerState& state) {
  const std::vector<std::uint8_t> bytes = encode_controller_state(state);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  TUNAS_REQUIRE(out.good(), "controller state: write failed");
}

ControllerState read_controller_state(std::istream& in) {
  Reader reader(&in);
  return decode(reader);
}

}  // namespace tunas::policy
