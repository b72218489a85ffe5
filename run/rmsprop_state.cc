#include "run/rmsprop_state.h"

#include <algorithm>

#include "core/error.h"
#include "kernels/optim/optim.h"

namespace tunas::run {

RmsPropState::RmsPropState(std::int64_t size)
    : size_(size),
      mean_square_(aligned_array<float>(std::size_t(size))),
      momentum_(aligned_array<float>(std::size_t(size))) {
  std::fill_n(mean_square_.get(), size, kernels::kRmsPropInitialMeanSquare);
}

void RmsPropState::update(supernet::ParameterStore& params, double learning_rate) {
  TUNAS_CHECK(params.size() == size_);
  kernels::f32_rmsprop_update(params.size(), params.values(), mean_square_.get(), momentum_.get(),
                              params.grads(), float(learning_rate), kernels::kRmsPropDecay,
                              kernels::kRmsPropMomentum, kernels::kRmsPropEpsilon);
}

void RmsPropState::save(Checkpoint& checkpoint) const {
  checkpoint.put_floats("optimizer/mean_square", mean_square_.get(), size_);
  checkpoint.put_floats("optimizer/momentum", momentum_.get(), size_);
}

void RmsPropState::restore(const Checkpoint& checkpoint) {
  checkpoint.get_finite_floats("optimizer/mean_square", mean_square_.get(), size_);
  checkpoint.get_finite_floats("optimizer/momentum", momentum_.get(), size_);
}

}  // namespace tunas::run
