// Softmax cross-entropy with label smoothing, and top-1 accuracy.
//
//   logits, d_logits  [batch][classes], row strides (>= classes)
//   labels            [batch], each in [0, classes)
//
// Target t = (1 - s) * onehot(label) + s / classes (TuNAS: s = 0.1, classes = 1001).
// Loss = mean over the batch of -sum_j t_j * log softmax(x)_j, evaluated per row as
//   lse(x) - (1 - s) * x_label - (s / classes) * sum_j x_j,   lse via the row maximum,
// in double. The gradient of that mean is (softmax(x) - t) / batch.
// Single-threaded (batch x 1001 is small); rows in order, so the result is deterministic.
#pragma once

#include <cstdint>

namespace tunas::kernels {

// Returns the mean loss. When d_logits is not null it is OVERWRITTEN with d(loss)/d(logits)
// (the loss is a graph root, so there is nothing to accumulate into).
double f32_softmax_cross_entropy(int batch, int classes, float* d_logits,
                                 std::int64_t d_logits_stride, const float* logits,
                                 std::int64_t logits_stride, const std::int32_t* labels,
                                 float label_smoothing);

// Number of rows whose arg-max (ties broken towards the lowest index) equals the label.
std::int64_t f32_top1_correct(int batch, int classes, const float* logits,
                              std::int64_t logits_stride, const std::int32_t* labels);

}  // namespace tunas::kernels
