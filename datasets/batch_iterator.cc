#include "datasets/batch_iterator.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "core/rng.h"
#include "core/threads.h"
#include "datasets/image_stream.h"
#include "datasets/rng_streams.h"

namespace tunas::datasets {

namespace {
constexpr std::uint64_t kStateMagic = 0x3174'6954'6863'7442ull;  // "BtchTit1"

void put_u64(std::uint8_t* dst, std::uint64_t v) {
  for (int b = 0; b < 8; ++b) dst[b] = std::uint8_t(v >> (8 * b));
}
std::uint64_t get_u64(const std::uint8_t* src) {
  std::uint64_t v = 0;
  for (int b = 0; b < 8; ++b) v |= std::uint64_t(src[b]) << (8 * b);
  return v;
}
std::int64_t checked_size(const ImageSet& set) {
  TUNAS_REQUIRE(set.size() > 0, "batch iterator over '", set.name, "': the set is empty");
  TUNAS_REQUIRE(set.size() <= std::int64_t(INT32_MAX), "batch iterator over '", set.name, "': ",
                set.size(), " images exceed int32");
  return set.size();
}

}  // namespace

std::array<std::uint8_t, BatchIteratorState::kBytes> BatchIteratorState::to_bytes() const {
  std::array<std::uint8_t, kBytes> bytes{};
  put_u64(bytes.data(), kStateMagic);
  put_u64(bytes.data() + 8, seed);
  put_u64(bytes.data() + 16, epoch);
  put_u64(bytes.data() + 24, position);
  put_u64(bytes.data() + 32, dataset_size);
  return bytes;
}

BatchIteratorState BatchIteratorState::from_bytes(std::span<const std::uint8_t> bytes) {
  TUNAS_REQUIRE(bytes.size() == kBytes, "batch iterator state: ", bytes.size(),
                " bytes, expected ", kBytes);
  TUNAS_REQUIRE(get_u64(bytes.data()) == kStateMagic,
                "batch iterator state: wrong magic (not a saved BatchIteratorState)");
  BatchIteratorState state;
  state.seed = get_u64(bytes.data() + 8);
  state.epoch = get_u64(bytes.data() + 16);
  state.position = get_u64(bytes.data() + 24);
  state.dataset_size = get_u64(bytes.data() + 32);
  return state;
}

EpochWalk::EpochWalk(std::int64_t size, const BatchIteratorConfig& config)
    : config_(config), shuffle_family_(stream_id(config.purpose + "/shuffle")) {
  order_.resize(std::size_t(size));
  state_.seed = config.seed;
  state_.dataset_size = std::uint64_t(size);
  start_epoch(0);
}

void EpochWalk::start_epoch(std::uint64_t epoch) {
  state_.epoch = epoch;
  state_.position = 0;
  std::iota(order_.begin(), order_.end(), 0);
  if (!config_.shuffle) return;
  Rng rng(state_.seed, indexed_stream(shuffle_family_, epoch));
  for (std::int64_t i = std::int64_t(order_.size()) - 1; i > 0; --i) {
    std::swap(order_[i], order_[rng.uniform_int(std::uint32_t(i + 1))]);
  }
}

void EpochWalk::restore(BatchIteratorState state, const std::string& set_name) {
  TUNAS_REQUIRE(state.dataset_size == state_.dataset_size, "batch iterator over '", set_name,
                "': saved state is for a set of ", state.dataset_size, " images, this one has ",
                state_.dataset_size);
  TUNAS_REQUIRE(state.position < state.dataset_size, "batch iterator over '", set_name,
                "': saved position ", state.position, " is outside [0, ", state.dataset_size, ")");
  state_.seed = state.seed;
  start_epoch(state.epoch);
  state_.position = state.position;
}

int EpochWalk::take(int n, std::int32_t* sources, std::uint64_t* globals) {
  const std::uint64_t size = state_.dataset_size;
  const int count = config_.cross_epochs
                        ? n
                        : int(std::min<std::uint64_t>(std::uint64_t(n), size - state_.position));
  for (int k = 0; k < count; ++k) {
    sources[k] = order_[state_.position];
    globals[k] = state_.epoch * size + state_.position;
    if (++state_.position == size) start_epoch(state_.epoch + 1);
  }
  return count;
}

void EpochWalk::skip(std::uint64_t count) {
  const std::uint64_t size = state_.dataset_size;
  while (count > 0) {
    const std::uint64_t step = std::min(count, size - state_.position);
    state_.position += step;
    count -= step;
    if (state_.position == size) start_epoch(state_.epoch + 1);
  }
}

BatchIterator::BatchIterator(const ImageSet& set, const PreprocessConfig& preprocess,
                             const BatchIteratorConfig& config)
    : set_(set), config_(config), augment_stream_(stream_id(config.purpose + "/augment")),
      walk_(checked_size(set), config) {
  if (set.on_disk) {
    stream_ = std::make_unique<ImageStream>(set, preprocess, config);
    height_ = stream_->height();
    width_ = stream_->width();
    channels_ = stream_->channels();
  } else {
    preprocess_ = Preprocessor(set, preprocess);
    height_ = preprocess_.height();
    width_ = preprocess_.width();
    channels_ = preprocess_.channels();
  }
}

BatchIterator::~BatchIterator() = default;

void BatchIterator::restore(const BatchIteratorState& state) {
  walk_.restore(state, set_.name);
  if (stream_) stream_->invalidate();
}

std::int64_t BatchIterator::batches_per_epoch(int batch_size) const {
  TUNAS_REQUIRE(batch_size > 0, "batch size ", batch_size, " must be positive");
  return (set_.size() + batch_size - 1) / batch_size;
}

void BatchIterator::skip(std::int64_t count) {
  TUNAS_REQUIRE(count >= 0, "batch iterator over '", set_.name, "': skip of ", count, " images");
  TUNAS_REQUIRE(config_.cross_epochs, "batch iterator over '", set_.name,
                "': skip() needs a cross_epochs iterator");
  walk_.skip(std::uint64_t(count));
  // An on-disk stream notices at the next batch that its prefetched one is not the one asked
  // for, and restarts there (data-parallel ranks that skip other ranks' batches therefore
  // decode each of their batches on the calling thread, without prefetching).
}

int BatchIterator::next(const Tensor& dst, std::int32_t* labels) {
  TUNAS_REQUIRE(dst.h() == height() && dst.w() == width() && dst.c() == channels(),
                "batch iterator over '", set_.name, "': destination ", dst.shape().str(),
                " must be ", height(), "x", width(), "x", channels());
  TUNAS_REQUIRE(labels != nullptr || dst.n() == 0, "batch iterator over '", set_.name,
                "': null label buffer");
  if (std::int64_t(batch_source_.size()) < dst.n()) {  // grows only for a larger batch
    batch_source_.resize(dst.n());
    batch_global_.resize(dst.n());
  }
  // Sequential: walk the order (crossing epochs when allowed).
  const int count = walk_.take(dst.n(), batch_source_.data(), batch_global_.data());
  if (stream_) {
    stream_->fill(dst, labels, {batch_source_.data(), std::size_t(count)},
                  {batch_global_.data(), std::size_t(count)}, walk_.state());
    return count;
  }
  for (int k = 0; k < count; ++k) labels[k] = set_.labels[batch_source_[k]];
  // Parallel: each image depends only on its own source and global index.
  struct Job {
    const BatchIterator* self;
    const Tensor* dst;
  } job{this, &dst};
  parallel_for(count, 4, [&job](std::int64_t begin, std::int64_t end) {
    const BatchIterator& it = *job.self;
    for (std::int64_t k = begin; k < end; ++k) {
      Augmentation aug;
      if (it.config_.augment && it.preprocess_.augments()) {
        Rng rng(it.walk_.state().seed, it.augment_stream_);
        rng.set_position(it.batch_global_[k] * 4);
        aug = it.preprocess_.sample(rng);
      }
      it.preprocess_.run(it.set_.image(it.batch_source_[k]), aug, *job.dst, int(k));
    }
  });
  return count;
}

}  // namespace tunas::datasets
