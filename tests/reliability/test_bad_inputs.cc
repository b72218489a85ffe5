// The bad-input table: malformed spaces, configs and flags, index strings, dataset files,
// checkpoints, weights, LUTs and architectures, each run through the real tool binary with
// the exit code it must give (as --help lists them: 1 = bad input) and the words its
// message must contain (file, line or field, valid range). Afterwards the run directory is
// untouched: a new run's --out was never created, an existing run's files are unchanged.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/files.h"
#include "process.h"
#include "tiny_runs.h"

namespace fs = std::filesystem;

namespace {

struct BadInput {
  const char* name;
  const char* tool;
  // {F} = the fixture directory, {OUT} = a run directory that must not appear,
  // {RUN} = a copy of a finished tiny search (damaged as the row needs) that must stay as it is.
  std::vector<std::string> args;
  int exit_code;
  std::vector<std::string> words;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  tunas::write_file_atomic(path, text);
}

std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

// Every malformed file the table refers to.
void make_fixtures(const std::string& f) {
  const std::string tiny = tunas::read_file(tunas::test::tiny_space_path());
  write(f + "/space_syntax.yaml", "name: broken\nblocks: [\n  - filters: 8\n");
  write(f + "/space_unknown_key.yaml", replace_all(tiny, "filters_base: 8", "filters_bass: 8"));
  write(f + "/space_negative_filters.yaml", replace_all(tiny, "filters: 32", "filters: -32"));
  write(f + "/space_kernel_zero.yaml", replace_all(tiny, "conv: {kernel_size: 1}", "conv: {kernel_size: 0}"));
  write(f + "/space_not_map.yaml", "- just\n- a list\n");
  // fuzz_space_yaml's find: a ratio whose width overflowed int in the rounding (UB).
  write(f + "/space_huge_ratio.yaml",
        replace_all(tiny, "expansion_filters: {one_of: [x1, x2]}, strides: 2",
                    "expansion_filters: {one_of: [x1, x1111111111111111111111]}, strides: 2"));
  write(f + "/space_latin1.yaml", replace_all(tiny, "filters_base: 8", "# caf\xe9\nfilters_base: 8"));
  write(f + "/space_empty.yaml", "");
  write(f + "/space_no_blocks.yaml", "name: none\nblocks: []\n");
  write(f + "/space_bad_choice.yaml", replace_all(tiny, "one_of: [3, 5]}, expansion", "one_of: []}, expansion"));
  fs::create_directories(f + "/space_dir.yaml");
  write(f + "/config_dup.yaml", "steps: 4\nbatch: 8\nsteps: 5\n");
  write(f + "/config_two_docs.yaml", "steps: 4\n---\nbatch: 8\n");
  write(f + "/config_unknown.yaml", "steps: 4\nbatsh: 8\n");
  write(f + "/config_list.yaml", "steps: 4\nbatch: [8, 16]\n");
  write(f + "/config_bad_value.yaml", "steps: four\n");
  write(f + "/config_nested.yaml", "config: other.yaml\n");
  write(f + "/config_syntax.yaml", "steps: 4\n  batch: : 8\n");
  write(f + "/config_not_map.yaml", "- steps\n");
  fs::create_directories(f + "/config_dir");
  // Found by fuzz/fuzz_config: yaml-cpp's LoadAll looped forever on a top-level ','.
  write(f + "/config_comma.yaml", "{},\ns");
  // Found by fuzz/fuzz_architecture: a space path too long for the file system threw
  // std::filesystem_error (an internal error).
  write(f + "/arch_long_space.json", "{\"indices\": \"0\", \"space\": \"" + std::string(5000, 'a') + ".yaml\"}\n");
  // Fashion-MNIST directories: a wrong IDX magic, a truncated image file, a non-gzip .gz.
  const std::string labels = be32(0x801) + be32(10) + std::string(10, '\1');
  for (const char* d : {"idx_magic", "idx_truncated", "idx_gz"}) {
    write(f + "/" + d + "/train-labels-idx1-ubyte", labels);
    write(f + "/" + d + "/t10k-labels-idx1-ubyte", labels);
    write(f + "/" + d + "/t10k-images-idx3-ubyte", be32(0x803) + be32(10) + be32(28) + be32(28) +
                                                       std::string(10 * 28 * 28, '\0'));
  }
  write(f + "/idx_magic/train-images-idx3-ubyte", be32(0x1234) + be32(10) + be32(28) + be32(28));
  write(f + "/idx_truncated/train-images-idx3-ubyte",
        be32(0x803) + be32(10) + be32(28) + be32(28) + std::string(100, '\0'));
  write(f + "/idx_gz/train-images-idx3-ubyte.gz", "this is not gzip data at all");
  fs::create_directories(f + "/empty_dir");
  write(f + "/cifar_short/test_batch.bin", std::string(3073 * 2 + 17, '\0'));
  for (int b = 1; b <= 5; ++b)
    write(f + "/cifar_short/data_batch_" + std::to_string(b) + ".bin", std::string(3073 * 2, '\0'));
  write(f + "/cifar_label/test_batch.bin", std::string(1, char(42)) + std::string(3072, '\0'));
  for (int b = 1; b <= 5; ++b)
    write(f + "/cifar_label/data_batch_" + std::to_string(b) + ".bin", std::string(1, char(11)) + std::string(3072, '\0'));
  // Latency tables.
  write(f + "/lut_not_json.json", "{ this is not json");
  write(f + "/lut_format.json", "{\"format\": \"something_else/1\"}\n");
  write(f + "/lut_missing_fields.json", "{\"format\": \"tunas_lut/1\", \"machine\": {}}\n");
  // CI's fuzz_lut find: a number beyond double's range escaped the JSON reader (terminate).
  write(f + "/lut_number_overflow.json", "{\"format\": \"tunas_lut/1\",\n \"machine\": 5e29753}\n");
  // Weights and architectures.
  write(f + "/weights_garbage.bin", "not a weights file, just text");
  write(f + "/arch_not_json.json", "{\"indices\": ");
  write(f + "/arch_no_indices.json", "{\"space\": \"tiny_search\"}\n");
  write(f + "/arch_bad_indices.json",
        "{\"indices\": \"9:9:9\", \"space\": \"" + tunas::test::tiny_space_path() + "\"}\n");
}

std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[e.path().string()] = tunas::read_file(e.path().string());
  return files;
}

const std::string kTiny = tunas::test::tiny_space_path();

std::vector<std::string> search(std::vector<std::string> extra) {
  std::vector<std::string> a = {"--data", "synthetic", "--synthetic-size", "200",
                                "--validation-size", "40", "--resolution", "16", "--proxy=false",
                                "--steps", "2", "--cost-model", "macs", "--target", "60000",
                                "--out", "{OUT}", "--quiet"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

std::vector<std::string> train(std::vector<std::string> extra) {
  std::vector<std::string> a = {"--data", "synthetic", "--synthetic-size", "200",
                                "--validation-size", "40", "--resolution", "16", "--proxy=false",
                                "--steps", "2", "--batch", "8", "--out", "{OUT}", "--quiet"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

const std::vector<BadInput>& table() {
  static const std::vector<BadInput> rows = {
      // Search spaces.
      {"space: YAML syntax", "tunas_search", search({"--space", "{F}/space_syntax.yaml"}), 1, {"space_syntax.yaml:"}},
      {"space: unknown key", "tunas_search", search({"--space", "{F}/space_unknown_key.yaml"}), 1, {"space_unknown_key.yaml:", "filters_bass"}},
      {"space: negative filters", "tunas_search", search({"--space", "{F}/space_negative_filters.yaml"}), 1, {"space_negative_filters.yaml:", "-32"}},
      {"space: kernel 0", "tunas_arch", {"info", "--space", "{F}/space_kernel_zero.yaml"}, 1, {"space_kernel_zero.yaml:", "kernel"}},
      {"space: not a mapping", "tunas_arch", {"info", "--space", "{F}/space_not_map.yaml"}, 1, {"space_not_map.yaml"}},
      {"space: width ratio beyond the limit", "tunas_search", search({"--space", "{F}/space_huge_ratio.yaml"}), 1, {"space_huge_ratio.yaml:15:", "must be a ratio in (0, 1048576]"}},
      {"space: empty file", "tunas_arch", {"info", "--space", "{F}/space_empty.yaml"}, 1, {"space_empty.yaml"}},
      {"space: no blocks", "tunas_search", search({"--space", "{F}/space_no_blocks.yaml"}), 1, {"space_no_blocks.yaml", "blocks"}},
      {"space: empty one_of", "tunas_arch", {"info", "--space", "{F}/space_bad_choice.yaml"}, 1, {"space_bad_choice.yaml:", "one_of"}},
      {"space: Latin-1 text", "tunas_search", search({"--space", "{F}/space_latin1.yaml"}), 1, {"space_latin1.yaml", "not UTF-8", "0xe9 at line"}},
      {"flag: --num-classes past the class limit", "tunas_search", search({"--num-classes", "70000"}), 1, {"--num-classes", "65536", "70000"}},
      {"flag: a path that is not UTF-8", "tunas_search", search({"--data", "{F}/data\xff"}), 1, {"--data", "not UTF-8", "0xff"}},
      {"space: a directory", "tunas_arch", {"info", "--space", "{F}/space_dir.yaml"}, 1, {"space_dir.yaml"}},
      {"space: missing file", "tunas_search", search({"--space", "{F}/nope.yaml"}), 1, {"nope.yaml", "no such"}},
      {"space: unknown name", "tunas_search", search({"--space", "mobilenet_v9"}), 1, {"unknown search space 'mobilenet_v9'", "known spaces"}},
      // Config files and flags.
      {"config: duplicate key", "tunas_search", search({"--config", "{F}/config_dup.yaml"}), 1, {"config_dup.yaml:3", "duplicate key 'steps'"}},
      {"config: second document", "tunas_search", search({"--config", "{F}/config_two_docs.yaml"}), 1, {"config_two_docs.yaml:2", "second YAML document"}},
      {"config: unknown key", "tunas_search", search({"--config", "{F}/config_unknown.yaml"}), 1, {"config_unknown.yaml:2", "unknown option 'batsh'", "valid options"}},
      {"config: a list value", "tunas_search", search({"--config", "{F}/config_list.yaml"}), 1, {"config_list.yaml:2", "batch", "single value"}},
      {"config: not a number", "tunas_train", train({"--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--config", "{F}/config_bad_value.yaml"}), 1, {"config_bad_value.yaml:1", "steps", "'four'"}},
      {"config: includes another", "tunas_search", search({"--config", "{F}/config_nested.yaml"}), 1, {"config_nested.yaml:1", "cannot include"}},
      {"config: YAML syntax", "tunas_search", search({"--config", "{F}/config_syntax.yaml"}), 1, {"config_syntax.yaml:", "malformed YAML"}},
      {"config: not a mapping", "tunas_search", search({"--config", "{F}/config_not_map.yaml"}), 1, {"config_not_map.yaml:1", "mapping"}},
      {"config: a top-level comma (yaml-cpp loop)", "tunas_search", search({"--config", "{F}/config_comma.yaml"}), 1, {"config_comma.yaml:"}},
      {"config: a directory", "tunas_train", train({"--config", "{F}/config_dir"}), 1, {"config_dir", "is a directory"}},
      {"config: missing file", "tunas_search", search({"--config", "{F}/none.yaml"}), 1, {"none.yaml", "cannot read"}},
      {"flag: --batch wraps 2^32", "tunas_search", search({"--batch", "4294967300"}), 1, {"--batch", "4294967300", "out of range"}},
      {"flag: --batch negative", "tunas_search", search({"--batch", "-4"}), 1, {"--batch must be in [1, 65536], got -4"}},
      {"flag: --batch not a number", "tunas_search", search({"--batch", "1e8"}), 1, {"--batch", "expected an integer", "'1e8'"}},
      {"flag: --batch absurd", "tunas_train", train({"--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--batch", "100000000"}), 1, {"--batch must be in [1, 65536]"}},
      {"flag: --replicas wraps", "tunas_search", search({"--replicas", "4294967297"}), 1, {"--replicas", "out of range"}},
      {"flag: --replicas 0", "tunas_search", search({"--replicas", "0"}), 1, {"--replicas must be in [1, 4096], got 0"}},
      {"flag: --epochs 1e30", "tunas_search", search({"--steps", "0", "--epochs", "1e30"}), 1, {"--epochs must be in [0, 1e+06]"}},
      {"flag: --epochs nan", "tunas_train", train({"--epochs", "nan"}), 1, {"--epochs", "expected a number"}},
      {"flag: --out --quiet", "tunas_search", {"--data", "synthetic", "--out", "--quiet"}, 1, {"--out needs a value", "'--quiet'"}},
      {"flag: --resolution 4", "tunas_search", search({"--resolution", "4"}), 1, {"--resolution must be in [8, 1024], got 4"}},
      {"flag: --resolution wraps (tunas_arch)", "tunas_arch", {"info", "--space", "proxylessnas_search", "--resolution", "4294967328"}, 1, {"--resolution must be in [8, 1024], got 4294967328"}},
      {"flag: --batch wraps (tunas_profile)", "tunas_profile", {"profile", "--space", kTiny, "--out", "{OUT}/lut.json", "--batch", "4294967297"}, 1, {"--batch must be in [1, 2147483647], got 4294967297"}},
      {"flag: tunas_profile --method", "tunas_profile", {"profile", "--space", kTiny, "--out", "{OUT}/lut.json", "--method", "fast"}, 1, {"--method must be one of in_network, isolated, got 'fast'"}},
      {"flag: tunas_profile option of another command", "tunas_profile", {"measure", "--space", kTiny, "--lut", "{F}/lut_format.json", "--indices", "0", "--batch", "2"}, 1, {"unknown option --batch for 'measure'"}},
      {"flag: tunas_profile validate without --lut", "tunas_profile", {"validate", "--space", kTiny}, 1, {"command 'validate' needs --lut"}},
      {"flag: --proxy-layers 9 (tunas_arch)", "tunas_arch", {"info", "--space", kTiny, "--proxy-layers", "9"}, 1, {"--proxy-layers must be in [0, 8], got 9"}},
      {"flag: --lr -1 (tunas_train)", "tunas_train", train({"--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--lr", "-1"}), 1, {"--lr must be >= 0 or auto, got -1"}},
      {"flag: --width-multiplier 1000", "tunas_search", search({"--width-multiplier", "1000"}), 1, {"--width-multiplier must be in [0.001, 16]"}},
      {"flag: --threads 100000", "tunas_search", search({"--threads", "100000"}), 1, {"--threads must be in [0, 1024]"}},
      {"flag: memory estimate", "tunas_search", search({"--space", kTiny, "--batch", "60000", "--resolution", "1024"}), 1, {"needs at least", "GiB", "lower --batch"}},
      {"flag: unknown", "tunas_search", search({"--bach", "8"}), 1, {"unknown option '--bach'"}},
      {"flag: positional", "tunas_train", {"runs/x"}, 1, {"unexpected argument 'runs/x'"}},
      {"flag: --data imagenet", "tunas_search", search({"--data", "imagenet"}), 1, {"--data must be one of fashion_mnist, cifar10, synthetic, imagefolder, filelist"}},
      {"flag: --label-smoothing 2", "tunas_train", train({"--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--label-smoothing", "2"}), 1, {"--label-smoothing must be in [0, 1]"}},
      {"flag: lut without --lut", "tunas_search", search({"--cost-model", "lut"}), 1, {"--cost-model lut needs --lut FILE"}},
      {"flag: unknown cost model", "tunas_search", search({"--space", kTiny, "--cost-model", "joules"}), 1, {"joules"}},
      {"flag: --steps -5", "tunas_train", train({"--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--steps", "-5"}), 1, {"--steps must be >= 0, got -5"}},
      // Index strings.
      {"indices: too few", "tunas_arch", {"cost", "--space", kTiny, "--indices", "0:1", "--cost-model", "macs"}, 1, {"2 entries", "9 decisions"}},
      {"indices: not numbers", "tunas_arch", {"cost", "--space", kTiny, "--indices", "a:b:c:d:e:f:g:h:i", "--cost-model", "macs"}, 1, {"'a'"}},
      {"indices: out of range", "tunas_arch", {"show", "--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:9"}, 1, {"9"}},
      {"indices: negative", "tunas_train", train({"--space", kTiny, "--indices", "-1:0:0:0:0:0:0:0:0"}), 1, {"--indices", "-1"}},
      {"indices: empty for a searchable space", "tunas_train", train({"--space", kTiny, "--indices", ""}), 1, {"--indices"}},
      // Datasets.
      {"dataset: IDX bad magic", "tunas_search", search({"--space", kTiny, "--data", "fashion_mnist", "--data-dir", "{F}/idx_magic"}), 1, {"train-images-idx3-ubyte", "magic"}},
      {"dataset: IDX truncated", "tunas_search", search({"--space", kTiny, "--data", "fashion_mnist", "--data-dir", "{F}/idx_truncated"}), 1, {"train-images-idx3-ubyte"}},
      {"dataset: not gzip", "tunas_train", train({"--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--data", "fashion_mnist", "--data-dir", "{F}/idx_gz"}), 1, {"train-images-idx3-ubyte.gz"}},
      {"dataset: empty directory", "tunas_search", search({"--space", kTiny, "--data", "fashion_mnist", "--data-dir", "{F}/empty_dir"}), 1, {"empty_dir"}},
      {"dataset: CIFAR-10 size", "tunas_search", search({"--space", kTiny, "--data", "cifar10", "--data-dir", "{F}/cifar_short"}), 1, {"test_batch.bin", "3073"}},
      {"dataset: CIFAR-10 label", "tunas_search", search({"--space", kTiny, "--data", "cifar10", "--data-dir", "{F}/cifar_label"}), 1, {"label"}},
      // Checkpoints of an existing run ({RUN} is damaged as the name says).
      {"checkpoint: truncated", "tunas_search", {"--resume", "--out", "{RUN}", "--quiet"}, 1, {"checkpoint.bin", "truncated"}},
      {"checkpoint: foreign file", "tunas_search", {"--resume", "--out", "{RUN}", "--quiet"}, 1, {"checkpoint.bin", "not a tunas checkpoint"}},
      {"checkpoint: flipped byte", "tunas_search", {"--resume", "--out", "{RUN}", "--quiet"}, 1, {"checkpoint.bin", "checksum"}},
      {"checkpoint: a directory", "tunas_arch", {"export", "--run", "{RUN}"}, 1, {"checkpoint.bin", "directory"}},
      {"checkpoint: params.json torn", "tunas_search", {"--resume", "--out", "{RUN}", "--quiet"}, 1, {"params.json"}},
      {"checkpoint: params.json resolved edited", "tunas_arch", {"export", "--run", "{RUN}"}, 1, {"params.json:", "unreadable 'resolved' section"}},
      {"checkpoint: new run over an old one", "tunas_search", search({"--space", kTiny, "--out", "{RUN}"}), 1, {"already holds a run", "--resume"}},
      // Weights.
      {"weights: garbage", "tunas_train", train({"--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--init-weights", "{F}/weights_garbage.bin"}), 1, {"weights_garbage.bin", "not a tunas checkpoint"}},
      {"weights: a checkpoint, not weights", "tunas_train", train({"--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--init-weights", "{RUN}/checkpoint.bin"}), 1, {"checkpoint.bin", "not a tunas weights file"}},
      {"weights: missing", "tunas_train", train({"--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--init-weights", "{F}/none.weights"}), 1, {"none.weights"}},
      // Latency tables.
      {"lut: not JSON", "tunas_search", search({"--space", kTiny, "--cost-model", "lut", "--lut", "{F}/lut_not_json.json"}), 1, {"latency table", "lut_not_json.json"}},
      {"lut: another format", "tunas_arch", {"cost", "--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--cost-model", "lut", "--lut", "{F}/lut_format.json"}, 1, {"lut_format.json", "tunas_lut/1"}},
      {"lut: missing fields", "tunas_search", search({"--space", kTiny, "--cost-model", "lut", "--lut", "{F}/lut_missing_fields.json"}), 1, {"lut_missing_fields.json"}},
      {"lut: negative latency", "tunas_search", search({"--space", kTiny, "--cost-model", "lut", "--lut", "{F}/lut_negative.json"}), 1, {"lut_negative.json", "median_ms must be a finite time >= 0 ms"}},
      {"lut: number beyond a double", "tunas_arch", {"cost", "--space", kTiny, "--indices", "0:0:0:0:0:0:0:0:0", "--cost-model", "lut", "--lut", "{F}/lut_number_overflow.json"}, 1, {"lut_number_overflow.json:2:13: malformed JSON (byte 39): number overflow parsing '5e29753'"}},
      {"lut: missing file", "tunas_search", search({"--space", kTiny, "--cost-model", "lut", "--lut", "{F}/none.json"}), 1, {"none.json"}},
      // Architectures.
      {"arch: torn JSON", "tunas_train", train({"--arch", "{F}/arch_not_json.json"}), 1, {"arch_not_json.json"}},
      {"arch: no indices", "tunas_train", train({"--arch", "{F}/arch_no_indices.json"}), 1, {"arch_no_indices.json", "indices"}},
      {"arch: wrong indices", "tunas_train", train({"--arch", "{F}/arch_bad_indices.json"}), 1, {"arch_bad_indices.json", "not an architecture of the space 'tiny_search'"}},
      {"arch: space path too long", "tunas_train", train({"--arch", "{F}/arch_long_space.json"}), 1, {"aaaa.yaml: no such search space file"}},
      {"arch: missing", "tunas_train", train({"--arch", "{F}/none.json"}), 1, {"none.json", "cannot read"}},
  };
  return rows;
}

// A finished tiny search whose copies the checkpoint rows damage.
std::string finished_run() {
  static const std::string dir = [] {
    const std::string d = tunas::test::fresh_dir("bad_inputs_run") + "/run";
    REQUIRE(tunas::test::run_tool("tunas_search", tunas::test::tiny_search_flags(d, 4)).exit_code == 0);
    return d;
  }();
  return dir;
}

void damage(const std::string& name, const std::string& run) {
  const std::string ckpt = run + "/checkpoint.bin";
  std::string bytes = tunas::read_file(ckpt);
  if (name == "checkpoint: truncated") tunas::write_file_atomic(ckpt, bytes.substr(0, bytes.size() / 2));
  if (name == "checkpoint: foreign file") tunas::write_file_atomic(ckpt, std::string(4096, 'x'));
  if (name == "checkpoint: flipped byte") {
    bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 0x10);
    tunas::write_file_atomic(ckpt, bytes);
  }
  if (name == "checkpoint: a directory") {
    fs::remove(ckpt);
    fs::create_directories(ckpt);
  }
  if (name == "checkpoint: params.json resolved edited") {
    std::string params = tunas::read_file(run + "/params.json");
    const auto pos = params.find("\"classes\": ");
    params.replace(pos, 13, "\"classes\": \"ten\"");
    tunas::write_file_atomic(run + "/params.json", params);
  }
  if (name == "checkpoint: params.json torn") {
    const std::string params = tunas::read_file(run + "/params.json");
    tunas::write_file_atomic(run + "/params.json", params.substr(0, params.size() / 3));
  }
}

}  // namespace

TEST_CASE("bad-input table: every malformed input is refused clearly and leaves runs untouched") {
  const std::string fixtures = tunas::test::fresh_dir("bad_inputs_fixtures");
  make_fixtures(fixtures);
  // A latency table of the right format whose one entry has a negative median.
  {
    const auto r = tunas::test::run_tool(
        "tunas_profile", {"profile", "--space", kTiny, "--resolution", "16", "--proxy", "0",
                          "--repeats", "1", "--warmup", "0", "--contexts", "1", "--rounds", "1",
                          "--out", fixtures + "/lut_ok.json"});
    if (r.exit_code == 0) {
      std::string lut = tunas::read_file(fixtures + "/lut_ok.json");
      const auto pos = lut.find("\"median_ms\": ");
      REQUIRE(pos != std::string::npos);
      lut.insert(pos + 13, "-");
      tunas::write_file_atomic(fixtures + "/lut_negative.json", lut);
    } else {
      MESSAGE("tunas_profile could not write a table (" << r.err << "); the negative-latency row uses a copy of lut_format.json");
      fs::copy_file(fixtures + "/lut_format.json", fixtures + "/lut_negative.json");
    }
  }
  CHECK(table().size() >= 40);
  int index = 0;
  for (const BadInput& row : table()) {
    CAPTURE(row.name);
    const std::string out = tunas::test::fresh_dir("bad_input_out_" + std::to_string(index)) + "/run";
    std::string run;
    bool uses_run = false;
    for (const auto& a : row.args) uses_run = uses_run || a.find("{RUN}") != std::string::npos;
    if (uses_run) {
      run = tunas::test::fresh_dir("bad_input_run_" + std::to_string(index)) + "/run";
      fs::copy(finished_run(), run, fs::copy_options::recursive);
      damage(row.name, run);
    }
    const auto before = snapshot(run);
    std::vector<std::string> args;
    for (const auto& a : row.args)
      args.push_back(replace_all(replace_all(replace_all(a, "{F}", fixtures), "{OUT}", out), "{RUN}", run));
    const auto result = tunas::test::run_tool(row.tool, args);
    CAPTURE(result.err);
    CHECK(result.exit_code == row.exit_code);
    CHECK(result.err.find("internal error") == std::string::npos);
    for (const std::string& w : row.words) {
      CAPTURE(w);
      CHECK(result.err.find(replace_all(w, "{F}", fixtures)) != std::string::npos);
    }
    CHECK_FALSE(fs::exists(out));
    if (uses_run) CHECK(snapshot(run) == before);
    ++index;
  }
}
