// The controller's reward (§4.3): validation accuracy traded against estimated cost.
#pragma once

#include <string>
#include <string_view>

namespace tunas::policy {

enum class RewardKind {
  abs,            // R = acc + beta*|c/T - 1|           (TuNAS default, paper's absolute reward)
  mnas,           // R = acc * (c/T)^beta               (MnasNet soft)
  mnas_hard,      // R = acc * min((c/T)^beta, 1)
  unconstrained,  // R = acc; the cost model is off
};

// Flag names: "abs", "mnas", "mnas_hard", "unconstrained".
const char* reward_kind_name(RewardKind kind);
// Throws tunas::Error "unknown reward '...'; valid rewards: abs, mnas, mnas_hard, unconstrained".
RewardKind parse_reward_kind(std::string_view name);

struct RewardConfig {
  RewardKind kind = RewardKind::abs;
  double cost_exponent = -0.10;  // beta (rl_cost_model_exponent)
  double cost_target = 84.0;     // T in the cost model's unit (ms); 57 for the V3 family
};

// Throws tunas::Error unless cost_target > 0 and cost_exponent is finite.
void validate_reward_config(const RewardConfig& config);

struct Reward {
  double value = 0.0;            // R
  // The logged "cost adjustment": beta*|c/T - 1| (abs), (c/T)^beta (mnas),
  // min((c/T)^beta, 1) (mnas_hard); 0 for unconstrained (R = acc, nothing applied).
  double cost_adjustment = 0.0;
};

// accuracy in [0, 1]; cost in the unit of cost_target (ignored when unconstrained).
// Throws tunas::Error on a bad config, a non-finite cost, or cost <= 0 for the mnas rewards
// (the power needs a positive base).
Reward compute_reward(const RewardConfig& config, double accuracy, double cost);

}  // namespace tunas::policy
