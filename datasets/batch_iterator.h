// Batches of preprocessed images for training and evaluation.
//
// The iterator walks an ImageSet epoch after epoch. With shuffling, epoch e visits the
// images in a permutation drawn from Rng(seed, stream "<purpose>/shuffle" mixed with e);
// without it, in stored order. Image k of epoch e (global index g = e * size + k) gets its
// augmentation from Rng(seed, stream "<purpose>/augment") at block g. So every batch is a
// pure function of (seed, purpose, epoch, position), independent of the thread count and of
// how the stream was cut into batches, and BatchIteratorState is all a checkpoint needs.
//
// Two ways to cut batches:
//   cross_epochs = true  (training)  every batch is full; it runs on into the next epoch.
//   cross_epochs = false (evaluation) a batch stops at the end of the epoch, so the last one
//                        may be short; next() returns how many images it wrote.
//
// Ownership and threads: the iterator keeps a reference to the ImageSet, which must outlive
// it. One iterator is used by one thread; next() may fan out over tunas::parallel_for.
// After the first call with the largest batch, next() allocates nothing on the heap (the
// permutation and per-batch index buffers are reused; output goes to the caller's buffers).
//
// On-disk sets (ImageSet::on_disk: image folders, file lists) are streamed instead: an
// ImageStream (image_stream.h) reads, decodes and preprocesses the next batches on a
// background thread while the caller trains, with the photograph preprocessing of
// inception_preprocess.h. The visiting order, the batches, the checkpoint state and every
// pixel are the same functions of (seed, purpose, epoch, position) as above, whatever the
// thread count or prefetch depth; the augmentation of global index g draws from its own
// stream Rng(seed, "<purpose>/augment" mixed with g).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "datasets/dataset.h"
#include "datasets/preprocess.h"

namespace tunas::datasets {

struct BatchIteratorConfig {
  std::uint64_t seed = 0;
  std::string purpose = "train";  // names the random streams: "search/train", "search/valid"...
  bool shuffle = true;
  bool augment = true;        // draw crop/flip (only if the preprocessing enables them)
  bool cross_epochs = true;   // see above
};

// The iterator's whole mutable state: plain data, checkpointed as bytes.
struct BatchIteratorState {
  std::uint64_t seed = 0;
  std::uint64_t epoch = 0;
  std::uint64_t position = 0;      // images consumed in this epoch, always < dataset_size
  std::uint64_t dataset_size = 0;  // guards restoring into a different set

  static constexpr std::size_t kBytes = 40;  // magic + 4 fields, little-endian u64
  std::array<std::uint8_t, kBytes> to_bytes() const;
  // Throws tunas::Error on a wrong size or magic.
  static BatchIteratorState from_bytes(std::span<const std::uint8_t> bytes);
  bool operator==(const BatchIteratorState&) const = default;
};

// The visiting order: epoch e is the identity or, with shuffling, a Fisher-Yates permutation
// from Rng(seed, "<purpose>/shuffle" mixed with e). EpochWalk cuts it into batches; the
// iterator and its prefetching stream (which plans batches ahead) share it.
class EpochWalk {
 public:
  EpochWalk(std::int64_t size, const BatchIteratorConfig& config);
  const BatchIteratorState& state() const { return state_; }
  // Throws tunas::Error on a state of another set size or a position out of range.
  void restore(BatchIteratorState state, const std::string& set_name);  // a copy: may alias state()
  // The next batch of up to n images (exactly n with cross_epochs): their source indices and
  // global indices (epoch * size + position) go to sources[0, k), globals[0, k). Returns k.
  int take(int n, std::int32_t* sources, std::uint64_t* globals);
  // Moves past `count` images as take() would, crossing epochs.
  void skip(std::uint64_t count);

 private:
  void start_epoch(std::uint64_t epoch);
  BatchIteratorConfig config_;
  std::uint64_t shuffle_family_ = 0;
  BatchIteratorState state_;
  std::vector<std::int32_t> order_;
};

class ImageStream;

class BatchIterator {
 public:
  BatchIterator(const ImageSet& set, const PreprocessConfig& preprocess,
                const BatchIteratorConfig& config);
  ~BatchIterator();

  // Fills images [0, k) of dst and labels[0, k), returns k: dst.n() with cross_epochs,
  // otherwise min(dst.n(), images left in the epoch). Images [k, n) are left untouched.
  // dst must be height() x width() x channels() (any pixel stride >= channels); throws
  // tunas::Error otherwise.
  int next(const Tensor& dst, std::int32_t* labels);

  // Moves past `count` images exactly as next() would (crossing epochs, reshuffling at each
  // epoch start) without decoding or preprocessing them: a data-parallel rank skips the
  // batches of the replicas other ranks train. cross_epochs iterators only.
  void skip(std::int64_t count);

  // The images of one epoch split into batches of batch_size (the last may be short).
  std::int64_t batches_per_epoch(int batch_size) const;

  const BatchIteratorState& state() const { return walk_.state(); }
  // Continues exactly where the saved iterator was. Throws tunas::Error when the state
  // belongs to a set of another size or its position is out of range.
  void restore(const BatchIteratorState& state);

  int height() const { return height_; }
  int width() const { return width_; }
  int channels() const { return channels_; }
  std::int64_t size() const { return set_.size(); }

  // The on-disk stream (nullptr for in-memory sets): skipped images, time spent waiting.
  const ImageStream* stream() const { return stream_.get(); }

 private:
  const ImageSet& set_;
  Preprocessor preprocess_;              // in-memory sets
  std::unique_ptr<ImageStream> stream_;  // on-disk sets
  int height_ = 0, width_ = 0, channels_ = 0;
  BatchIteratorConfig config_;
  std::uint64_t augment_stream_ = 0;
  EpochWalk walk_;
  std::vector<std::int32_t> batch_source_;  // source image of each batch slot
  std::vector<std::uint64_t> batch_global_; // global index (epoch * size + position)
};

}  // namespace tunas::datasets
