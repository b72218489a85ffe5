#include "policy/reward.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tunas::policy {

namespace {
constexpr RewardKind kAllRewards[] = {RewardKind::abs, RewardKind::mnas, RewardKind::mnas_hard,
                                      RewardKind::unconstrained};
}  // namespace

const char* reward_kind_name(RewardKind kind) {
  switch (kind) {
    case RewardKind::abs: return "abs";
    case RewardKind::mnas: return "mnas";
    case RewardKind::mnas_hard: return "mnas_hard";
    case RewardKind::unconstrained: return "unconstrained";
  }
  return "?";
}

RewardKind parse_reward_kind(std::string_view name) {
  std::string valid;
  for (RewardKind kind : kAllRewards) {
    if (name == reward_kind_name(kind)) return kind;
    valid += str_cat(valid.empty() ? "" : ", ", reward_kind_name(kind));
  }
  throw Error(str_cat("unknown reward '", name, "'; valid rewards: ", valid));
}

void validate_reward_config(const RewardConfig& config) {
  TUNAS_REQUIRE(std::isfinite(config.cost_target) && config.cost_target > 0.0,
                "reward: cost target must be a positive number, got ", config.cost_target);
  TUNAS_REQUIRE(std::isfinite(config.cost_exponent),
                "reward: cost exponent must be finite, got ", config.cost_exponent);
}

Reward compute_reward(const RewardConfig& config, double accuracy, double cost) {
  validate_reward_config(config);
  if (config.kind == RewardKind::unconstrained) return {accuracy, 0.0};
  TUNAS_REQUIRE(std::isfinite(cost), "reward: cost must be finite, got ", cost);
  const double ratio = cost / config.cost_target;
  switch (config.kind) {
    case RewardKind::abs: {
      const double adjustment = config.cost_exponent * std::fabs(ratio - 1.0);
      return {accuracy + adjustment, adjustment};
    }
    case RewardKind::mnas:
    case RewardKind::mnas_hard: {
      // (c/T)^beta needs c > 0: a zero cost with beta < 0 would give an infinite reward.
      TUNAS_REQUIRE(cost > 0.0, "reward '", reward_kind_name(config.kind),
                    "': cost must be > 0, got ", cost);
      double adjustment = std::pow(ratio, config.cost_exponent);
      if (config.kind == RewardKind::mnas_hard) adjustment = std::min(adjustment, 1.0);
      return {accuracy * adjustment, adjustment};
    }
    case RewardKind::unconstrained: break;
  }
  TUNAS_CHECK(false, "unhandled reward kind");
  return {};
}

}  // namespace tunas::policy
