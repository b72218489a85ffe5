// The TF-1 RMSProp slots of a network's weights (kernels/optim/optim.h): one mean square
// (starting at kRmsPropInitialMeanSquare) and one momentum per parameter, kept in the
// checkpoint as "optimizer/mean_square" and "optimizer/momentum". The search's shared weights
// and stand-alone training use the same dense update.
#pragma once

#include <cstdint>

#include "core/memory.h"
#include "run/checkpoint.h"
#include "supernet/supernet.h"

namespace tunas::run {

class RmsPropState {
 public:
  RmsPropState() = default;
  explicit RmsPropState(std::int64_t size);

  // params -= the RMSProp step of params.grads() at learning rate lr.
  void update(supernet::ParameterStore& params, double learning_rate);

  void save(Checkpoint& checkpoint) const;
  // Throws tunas::Error naming the section when one is missing, mis-sized or not finite.
  void restore(const Checkpoint& checkpoint);

 private:
  std::int64_t size_ = 0;
  AlignedPtr<float> mean_square_, momentum_;
};

}  // namespace tunas::run
