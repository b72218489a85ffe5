// When a training loss means the run has diverged: not finite, or far above what a uniform
// guess scores. Shared by the search loop and stand-alone training, which stop with a
// message naming the step and the last checkpoint (left intact) instead of training on
// from exploded weights. Every rank sees every replica's loss, so every rank stops with the
// same message (the caller throws it as a distributed::AgreedError).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tunas::run {

// A uniform guess over C classes has cross-entropy ln(C); a loss kDivergenceFactor times
// that (230 for 10 classes) is a diverged run, not a slow one.
inline constexpr double kDivergenceFactor = 100;
double divergence_threshold(int classes);

// The message when `loss` is not finite or above divergence_threshold(classes), else none:
// "training loss 3.6e+12 at step 17 ... the last checkpoint (step 10) is intact. <hint>".
// last_checkpoint_step < 0 means none was written yet.
std::optional<std::string> training_loss_problem(double loss, int classes, std::int64_t step,
                                                 std::int64_t last_checkpoint_step,
                                                 const std::string& hint);

}  // namespace tunas::run
