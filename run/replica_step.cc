#include "run/replica_step.h"

#include <algorithm>
#include <cstring>

namespace tunas::run {

namespace {
constexpr int kScalarsPerReplica = 5;  // loss, empirical, regularization, correct, batch
}

supernet::ReplicaResult combine_replicas(const std::vector<supernet::ReplicaResult>& replicas) {
  supernet::ReplicaResult sum;
  const double k = double(replicas.size());
  for (const supernet::ReplicaResult& r : replicas) {
    sum.loss += r.loss / k;
    sum.empirical_loss += r.empirical_loss / k;
    sum.regularization_loss += r.regularization_loss / k;
    sum.correct += r.correct;
    sum.batch += r.batch;
  }
  return sum;
}

ReplicaStep::ReplicaStep(distributed::DataParallel& dp, supernet::Supernet& net)
    : dp_(dp), net_(net) {
  const std::int64_t n = net.params().size(), b = net.bn_statistics_size();
  sum_ = aligned_array<float>(std::size_t(std::max<std::int64_t>(n + b, 1)));
  bn_start_ = aligned_array<float>(std::size_t(std::max<std::int64_t>(b, 1)));
  const std::size_t k = std::size_t(dp.replicas()), local = std::size_t(dp.end_replica() - dp.first_replica());
  mine_.reserve(local);
  results_.resize(k);
  mine_values_.reserve(local * kScalarsPerReplica);
  all_values_.resize(k * kScalarsPerReplica);
}

const std::vector<supernet::ReplicaResult>& ReplicaStep::gather() {
  mine_values_.clear();
  for (const supernet::ReplicaResult& r : mine_)
    mine_values_.insert(mine_values_.end(), {r.loss, r.empirical_loss, r.regularization_loss,
                                             double(r.correct), double(r.batch)});
  dp_.gather(mine_values_, kScalarsPerReplica, all_values_);
  for (std::size_t r = 0; r < results_.size(); ++r) {
    const double* v = all_values_.data() + r * kScalarsPerReplica;
    results_[r].loss = v[0];
    results_[r].empirical_loss = v[1];
    results_[r].regularization_loss = v[2];
    results_[r].correct = std::int64_t(v[3]);
    results_[r].batch = int(v[4]);
  }
  return results_;
}

const std::vector<supernet::ReplicaResult>& ReplicaStep::train(
    datasets::BatchIterator& data, const Tensor& images, std::int32_t* labels, MasksOf masks,
    std::int64_t step) {
  const int K = dp_.replicas();
  const std::int64_t sub_batch = images.n();
  supernet::ParameterStore& params = net_.params();
  const std::int64_t n = params.size();
  const bool stateful = net_.config().bn_mode == supernet::BnMode::stateful;
  const std::int64_t b = stateful ? net_.bn_statistics_size() : 0;
  const bool dropout = stateful && net_.config().dropout > 0.f;
  if (b > 0) std::copy_n(net_.bn_statistics(), b, bn_start_.get());
  const float inv_k = 1.f / float(K);

  mine_.clear();
  data.skip(sub_batch * dp_.first_replica());
  dp_.tree_sum(n + b, [&](int r, float* out) {
    data.next(images, labels);
    params.zero_grads();
    if (b > 0) std::copy_n(bn_start_.get(), b, net_.bn_statistics());
    if (dropout) net_.set_dropout_calls(std::uint64_t(step * K + r));
    mine_.push_back(net_.train_replica(images, labels, masks(r), inv_k));
    std::memcpy(out, params.grads(), std::size_t(n) * sizeof(float));
    const float* stats = net_.bn_statistics();
    for (std::int64_t i = 0; i < b; ++i) out[n + i] = stats[i] * inv_k;
  }, sum_.get());
  data.skip(sub_batch * (K - dp_.end_replica()));
  std::memcpy(params.grads(), sum_.get(), std::size_t(n) * sizeof(float));
  if (b > 0) std::copy_n(sum_.get() + n, b, net_.bn_statistics());
  if (dropout) net_.set_dropout_calls(std::uint64_t((step + 1) * K));
  return gather();
}

const std::vector<supernet::ReplicaResult>& ReplicaStep::evaluate(datasets::BatchIterator& data,
                                                                  const Tensor& images,
                                                                  std::int32_t* labels,
                                                                  MasksOf masks) {
  const std::int64_t sub_batch = images.n();
  mine_.clear();
  data.skip(sub_batch * dp_.first_replica());
  for (int r = dp_.first_replica(); r < dp_.end_replica(); ++r) {
    data.next(images, labels);
    mine_.push_back(net_.evaluate(images, labels, masks(r)));
  }
  data.skip(sub_batch * (dp_.replicas() - dp_.end_replica()));
  return gather();
}

}  // namespace tunas::run
