#include "datasets/image_stream.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "core/rng.h"
#include "core/threads.h"
#include "datasets/image_decode.h"
#include "datasets/rng_streams.h"

namespace tunas::datasets {

namespace {

// The whole file into `bytes` (reused). Throws tunas::Error naming the file.
void read_bytes(const std::string& path, std::vector<std::uint8_t>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(str_cat(path, ": cannot open: ", std::strerror(errno)));
  bytes.clear();
  std::uint8_t chunk[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(chunk, 1, sizeof chunk, f);
    bytes.insert(bytes.end(), chunk, chunk + got);
    if (got < sizeof chunk) break;
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) throw Error(str_cat(path, ": read error"));
}

}  // namespace

ImageStream::ImageStream(const ImageSet& set, const PreprocessConfig& preprocess,
                         const BatchIteratorConfig& config, int depth)
    : set_(set), preprocess_(set, preprocess), config_(config),
      augment_family_(stream_id(config.purpose + "/augment")), depth_(depth),
      planner_(set.size(), config) {
  TUNAS_REQUIRE(set.on_disk, "image stream over '", set.name, "': not an on-disk set");
  TUNAS_REQUIRE(depth >= 1, "image stream: prefetch depth ", depth, " must be >= 1");
  producer_ = std::thread([this] { produce(); });
}

ImageStream::~ImageStream() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  producer_.join();
}

void ImageStream::restart_planner(const BatchIteratorState& after, int batch_size) {
  queue_.clear();
  if (batch_size != batch_size_) spare_pixels_.clear();
  batch_size_ = batch_size;
  planner_.restore(after, set_.name);
  // Evaluation walks stop at the epoch end: nothing to prefetch after the last batch.
  planning_ = config_.cross_epochs || after.position != 0;
  changed_.notify_all();
}

void ImageStream::invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.clear();
  planning_ = false;
}

std::string ImageStream::decode_one(std::int32_t source, std::uint64_t global, const Tensor& dst,
                                    int k) const {
  thread_local std::vector<std::uint8_t> bytes;
  thread_local DecodedImage image;
  thread_local std::vector<float> scratch_rows, scratch_out;
  const std::string path = set_.file(source);
  try {
    read_bytes(path, bytes);
    decode_image(bytes, path, image);
    PhotoAugmentation aug = {preprocess_.central_crop(image.height, image.width), false};
    if (config_.augment && preprocess_.augments()) {
      Rng rng(config_.seed, indexed_stream(augment_family_, global));
      aug = preprocess_.sample(image.height, image.width, rng);
    }
    preprocess_.run(image, aug, dst, k, scratch_rows, scratch_out);
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return str_cat(path, ": ", e.what());
  }
  return "";
}

void ImageStream::decode(Batch& b) const {
  const int count = int(b.sources.size());
  const Tensor dst(b.pixels.get(), Shape4{count, height(), width(), 3});
  b.labels.resize(std::size_t(count));
  std::vector<std::string> errors(static_cast<std::size_t>(count));
  parallel_for(count, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t k = begin; k < end; ++k)
      errors[k] = decode_one(b.sources[k], b.globals[k], dst, int(k));
  });
  for (int k = 0; k < count; ++k) b.labels[k] = set_.labels[b.sources[k]];
  for (int k = 0; k < count; ++k) {
    if (errors[k].empty()) continue;
    if (!set_.skip_corrupt) {
      b.error = errors[k];
      return;
    }
    // The next slot whose own image was readable, cyclically, decoded with this slot's
    // augmentation.
    int j = (k + 1) % count;
    while (j != k && !errors[j].empty()) j = (j + 1) % count;
    if (j == k) {
      b.error = str_cat("no image of a batch of ", count, " could be read; the first: ", errors[k]);
      return;
    }
    const std::string again = decode_one(b.sources[j], b.globals[k], dst, k);
    if (!again.empty()) {  // the file changed under us between two reads
      b.error = again;
      return;
    }
    b.labels[k] = set_.labels[b.sources[j]];
    b.skipped.push_back(errors[k]);
  }
}

void ImageStream::produce() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stop_ || (planning_ && int(queue_.size()) < depth_); });
    if (stop_) return;
    auto b = std::make_shared<Batch>();
    b->sources.resize(std::size_t(batch_size_));
    b->globals.resize(std::size_t(batch_size_));
    const int count = planner_.take(batch_size_, b->sources.data(), b->globals.data());
    b->sources.resize(std::size_t(count));
    b->globals.resize(std::size_t(count));
    if (!config_.cross_epochs && planner_.state().position == 0) planning_ = false;
    if (!spare_pixels_.empty()) {
      b->pixels = std::move(spare_pixels_.back());
      spare_pixels_.pop_back();
    } else {
      b->pixels = aligned_array<float>(std::size_t(batch_size_) * height() * width() * 3);
    }
    queue_.push_back(b);
    changed_.notify_all();
    lock.unlock();
    decode(*b);
    lock.lock();
    b->ready = true;
    changed_.notify_all();
  }
}

void ImageStream::fill(const Tensor& dst, std::int32_t* labels, std::span<const std::int32_t> sources,
                       std::span<const std::uint64_t> globals, const BatchIteratorState& after) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const int count = int(sources.size());
  std::shared_ptr<Batch> b;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // The producer may be about to plan the batch we want: let it.
    changed_.wait(lock, [&] { return !queue_.empty() || !planning_ || batch_size_ != dst.n(); });
    if (!queue_.empty() && batch_size_ == dst.n() &&
        std::equal(globals.begin(), globals.end(), queue_.front()->globals.begin(),
                   queue_.front()->globals.end()) &&
        std::equal(sources.begin(), sources.end(), queue_.front()->sources.begin(),
                   queue_.front()->sources.end())) {
      b = queue_.front();
      queue_.pop_front();
      changed_.notify_all();  // room in the queue: the producer plans the next batch
      changed_.wait(lock, [&] { return b->ready; });
      ++prefetched_;
    } else {
      restart_planner(after, dst.n());
    }
  }
  if (!b) {  // not prefetched: decode it here (the producer already works on the next ones)
    b = std::make_shared<Batch>();
    b->sources.assign(sources.begin(), sources.end());
    b->globals.assign(globals.begin(), globals.end());
    b->pixels = aligned_array<float>(std::size_t(dst.n()) * height() * width() * 3);
    decode(*b);
  }
  wait_seconds_ += std::chrono::duration<double>(Clock::now() - started).count();
  if (!b->error.empty()) throw Error(b->error);
  for (const std::string& message : b->skipped) {
    ++skipped_;
    std::fprintf(stderr, "tunas: warning: skipped an unreadable image (%lld so far): %s\n",
                 (long long)skipped_, message.c_str());
  }
  const Tensor src(b->pixels.get(), Shape4{count, height(), width(), 3});
  for (int k = 0; k < count; ++k) {
    labels[k] = b->labels[k];
    for (int y = 0; y < height(); ++y)
      for (int x = 0; x < width(); ++x) {
        const float* s = &src.at(k, y, x, 0);
        float* d = &dst.at(k, y, x, 0);
        d[0] = s[0];
        d[1] = s[1];
        d[2] = s[2];
      }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (batch_size_ == dst.n()) spare_pixels_.push_back(std::move(b->pixels));
}

}  // namespace tunas::datasets
