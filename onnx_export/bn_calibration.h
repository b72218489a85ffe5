// Moving BN statistics for a network that has none: a search's supernet path (the search
// normalises with batch statistics, spec §3.6, so its checkpoint holds no moving ones).
//
// For each of `batches` batches of `set` (evaluation preprocessing, a fixed shuffled order),
// one stateful training-mode forward pass from zeroed statistics leaves (1 - momentum) x the
// batch statistics in them (kernels/f32-bn/bn.h: mean, unbiased variance); the result is the
// mean of those per-batch statistics, every layer having seen its inputs normalised with
// batch statistics, as in the search. The weights are not changed (gradient scale 0).
#pragma once

#include "datasets/dataset.h"
#include "datasets/preprocess.h"
#include "supernet/supernet.h"

namespace tunas::onnx_export {

// net: BnMode::stateful, max_batch >= batch. Returns the number of images used.
std::int64_t calibrate_bn_statistics(supernet::Supernet& net, const supernet::Masks& masks,
                                     const datasets::ImageSet& set,
                                     const datasets::PreprocessConfig& preprocess, int batch,
                                     int batches);

}  // namespace tunas::onnx_export
