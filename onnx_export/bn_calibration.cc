#include "onnx_export/bn_calibration.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/memory.h"
#include "datasets/batch_iterator.h"
#include "kernels/f32-bn/bn.h"

namespace tunas::onnx_export {

std::int64_t calibrate_bn_statistics(supernet::Supernet& net, const supernet::Masks& masks,
                                     const datasets::ImageSet& set,
                                     const datasets::PreprocessConfig& preprocess, int batch,
                                     int batches) {
  TUNAS_REQUIRE(net.config().bn_mode == supernet::BnMode::stateful,
                "BN calibration needs a stateful-BN network");
  TUNAS_REQUIRE(batch > 0 && batch <= net.config().max_batch && batches > 0,
                "BN calibration: batch ", batch, " must be in [1, ", net.config().max_batch,
                "] and batches ", batches, " positive");
  datasets::BatchIteratorConfig ic;
  ic.purpose = "onnx_export/bn_calibration";
  ic.augment = false;
  datasets::BatchIterator it(set, preprocess, ic);
  const int h = it.height(), w = it.width(), c = it.channels();
  AlignedPtr<float> images = aligned_array<float>(std::size_t(batch) * h * w * c);
  const Tensor dst(images.get(), Shape4{batch, h, w, c});
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  float* stats = net.bn_statistics();
  const std::int64_t size = net.bn_statistics_size();
  std::vector<double> sum(static_cast<std::size_t>(size), 0.0);
  const double unscale = 1.0 / (1.0 - double(kernels::kBnMomentum));
  std::int64_t used = 0;
  for (int b = 0; b < batches; ++b) {
    const int k = it.next(dst, labels.data());
    std::fill_n(stats, size, 0.f);
    (void)net.train_replica(Tensor(images.get(), Shape4{k, h, w, c}), labels.data(), masks, 0.f);
    for (std::int64_t i = 0; i < size; ++i) sum[std::size_t(i)] += stats[i] * unscale;
    used += k;
  }
  for (std::int64_t i = 0; i < size; ++i) stats[i] = float(sum[std::size_t(i)] / batches);
  return used;
}

}  // namespace tunas::onnx_export
