// Checkpoint files: named binary sections in one file, written atomically.
//
// Layout: "TUNASCKP" | u32 version | u32 section count | per section: u32 name length,
// name bytes, u64 payload length, payload | u64 FNV-1a hash of everything before it.
// Integers are little-endian. write_checkpoint goes through write_file_atomic, so a crash
// or a full disk never leaves a torn checkpoint: the previous one stays intact.
// read_checkpoint checks magic, version, lengths and the hash, and names the file in every
// error.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace tunas::run {

inline constexpr std::uint32_t kCheckpointVersion = 1;

class Checkpoint {
 public:
  void put(const std::string& name, std::vector<std::uint8_t> bytes);
  void put_floats(const std::string& name, const float* data, std::int64_t count);
  void put_string(const std::string& name, const std::string& text);
  void put_i64(const std::string& name, std::int64_t value);

  bool has(const std::string& name) const { return sections_.count(name) != 0; }
  // Throws tunas::Error naming the section (and origin file) when missing or mis-sized.
  const std::vector<std::uint8_t>& get(const std::string& name) const;
  void get_floats(const std::string& name, float* data, std::int64_t count) const;
  // As get_floats, then throws naming the section and index of a NaN or infinite value.
  void get_finite_floats(const std::string& name, float* data, std::int64_t count) const;
  std::string get_string(const std::string& name) const;
  std::int64_t get_i64(const std::string& name) const;

  const std::string& origin() const { return origin_; }

  std::string serialize() const;
  static Checkpoint parse(std::span<const std::uint8_t> bytes, const std::string& origin);

 private:
  std::map<std::string, std::vector<std::uint8_t>> sections_;
  std::string origin_ = "<memory>";
};

void write_checkpoint(const std::string& path, const Checkpoint& checkpoint);
Checkpoint read_checkpoint(const std::string& path);

}  // namespace tunas::run
