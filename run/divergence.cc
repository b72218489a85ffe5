#include "run/divergence.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"  // str_cat

namespace tunas::run {

double divergence_threshold(int classes) {
  return kDivergenceFactor * std::log(double(std::max(classes, 2)));
}

std::optional<std::string> training_loss_problem(double loss, int classes, std::int64_t step,
                                                 std::int64_t last_checkpoint_step,
                                                 const std::string& hint) {
  const double limit = divergence_threshold(classes);
  if (std::isfinite(loss) && loss <= limit) return std::nullopt;
  const std::string what =
      std::isfinite(loss)
          ? str_cat("training loss ", loss, " at step ", step, " is above ", limit, " (",
                    kDivergenceFactor, " x ln ", classes, ", a uniform guess scores ln ", classes,
                    "): the run diverged")
          : str_cat("non-finite training loss (", loss, ") at step ", step);
  return str_cat(what, "; the last checkpoint (",
                 last_checkpoint_step < 0 ? std::string("none yet")
                                          : str_cat("step ", last_checkpoint_step),
                 ") is intact. ", hint);
}

}  // namespace tunas::run
