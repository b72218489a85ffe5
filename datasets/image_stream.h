// Streaming batches of an on-disk set (image folder, file list): read, decode (image_decode.h)
// and preprocess (inception_preprocess.h) the batches the iterator will ask for next, on a
// background thread, while the caller trains on the current one.
//
// Pipeline: BatchIterator plans each batch with its EpochWalk and calls fill(). The stream
// keeps its own copy of the walk (the planner), `depth` batches ahead of the iterator. A
// producer thread takes the next planned batch and decodes its images with
// tunas::parallel_for (TBB; images are independent). fill() hands over the prefetched batch
// when it is the one asked for (same global indices and count); otherwise (first call,
// restore, another batch size) it drops the queue, decodes the batch itself and restarts the
// planner after it. Every image is a function of (seed, purpose, global index) only, so the
// output does not depend on the thread count, the prefetch depth or on timing.
// With cross_epochs = false (evaluation) the planner stops at the end of the epoch.
//
// Unreadable images (missing or unreadable file, not a JPEG/PNG, corrupt or truncated data):
//   skip_corrupt = false: fill() throws the tunas::Error of the first failing slot, naming
//                         the file.
//   skip_corrupt = true:  the slot gets the next readable image of the same batch (cyclically)
//                         with that image's own label and the slot's augmentation; a warning
//                         naming the file and the running count goes to stderr when the batch
//                         is used, and skipped() counts them. A batch where no image can be
//                         read throws. Either way a label always belongs to its pixels.
//
// Ownership: the stream keeps a reference to the ImageSet. One caller thread; the destructor
// stops and joins the producer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "core/memory.h"
#include "core/tensor.h"
#include "datasets/batch_iterator.h"
#include "datasets/inception_preprocess.h"

namespace tunas::datasets {

inline constexpr int kDefaultPrefetchBatches = 2;

class ImageStream {
 public:
  ImageStream(const ImageSet& set, const PreprocessConfig& preprocess,
              const BatchIteratorConfig& config, int depth = kDefaultPrefetchBatches);
  ~ImageStream();
  ImageStream(const ImageStream&) = delete;
  ImageStream& operator=(const ImageStream&) = delete;

  int height() const { return preprocess_.height(); }
  int width() const { return preprocess_.width(); }
  int channels() const { return 3; }

  // Writes images sources[k] (global indices globals[k]) into dst slots [0, k) and their
  // labels; `after` is the iterator's state after this batch (where the planner continues).
  void fill(const Tensor& dst, std::int32_t* labels, std::span<const std::int32_t> sources,
            std::span<const std::uint64_t> globals, const BatchIteratorState& after);
  // Drops every prefetched batch (the iterator was restored elsewhere).
  void invalidate();

  std::int64_t skipped() const { return skipped_; }
  // Seconds fill() spent waiting for pixels (decoding itself or waiting for the producer).
  double wait_seconds() const { return wait_seconds_; }
  std::int64_t batches_prefetched() const { return prefetched_; }  // handed over ready-made

 private:
  struct Batch {
    std::vector<std::int32_t> sources;
    std::vector<std::uint64_t> globals;
    AlignedPtr<float> pixels;  // count x height x width x 3
    std::vector<std::int32_t> labels;
    std::vector<std::string> skipped;  // one message per replaced image
    std::string error;                 // set: using this batch throws it
    bool ready = false;
  };
  void produce();
  void decode(Batch& batch) const;
  // Reads, decodes and preprocesses source image `source` with the augmentation of `global`
  // into slot k; returns "" or the error message.
  std::string decode_one(std::int32_t source, std::uint64_t global, const Tensor& dst, int k) const;
  void restart_planner(const BatchIteratorState& after, int batch_size);  // under mutex_

  const ImageSet& set_;
  InceptionPreprocessor preprocess_;
  BatchIteratorConfig config_;
  std::uint64_t augment_family_ = 0;
  int depth_ = kDefaultPrefetchBatches;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  bool planning_ = false;  // the planner has batches to plan
  int batch_size_ = 0;
  EpochWalk planner_;
  std::deque<std::shared_ptr<Batch>> queue_;  // planned, in flight or ready; in order
  std::vector<AlignedPtr<float>> spare_pixels_;
  std::thread producer_;

  std::int64_t skipped_ = 0, prefetched_ = 0;
  double wait_seconds_ = 0;
};

}  // namespace tunas::datasets
