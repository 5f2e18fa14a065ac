#include "psml/train/full_batch.hpp"

#include <algorithm>

namespace psml::train {
namespace {
constexpr Eigen::Index kBlock = 4096;
}  // namespace

FullBatchObjective::FullBatchObjective(std::unique_ptr<models::ModelT<double>> model,
                                       const data::Shard& shard, double l2,
                                       const comm::Communicator& workers)
    : model_(std::move(model)),
      x_(shard.x.cast<double>()),
      classes_(shard.classes.data(), shard.classes.data() + shard.classes.size()),
      rows_(static_cast<double>(shard.info.rows)),
      l2_(l2),
      workers_(workers) {
  targets_.assign(shard.targets.data(), shard.targets.data() + shard.targets.size());
  mask_.assign(model_->num_params(), 0);
  for (const auto& m : model_->matrices())
    std::fill_n(mask_.begin() + static_cast<std::ptrdiff_t>(m.offset), m.size(), 1);
  model_->reserve(std::min<Eigen::Index>(kBlock, x_.rows()));
  sums_.resize(1 + model_->num_params());
  block_grad_.resize(model_->num_params());
}

double FullBatchObjective::operator()(std::span<const double> params, std::span<double> grad) {
  ++evaluations_;
  std::fill(sums_.begin(), sums_.end(), 0.0);
  for (Eigen::Index first = 0; first < x_.rows(); first += kBlock) {
    const auto n = std::min(kBlock, x_.rows() - first);
    const auto at = static_cast<std::size_t>(first), count = static_cast<std::size_t>(n);
    const data::BatchViewT<double> batch{
        {x_.data() + first * x_.cols(), n, x_.cols()},
        classes_.empty() ? std::span<const std::int32_t>() : std::span(classes_).subspan(at, count),
        targets_.empty() ? std::span<const double>() : std::span(targets_).subspan(at, count)};
    sums_[0] += model_->loss_and_gradient(params, batch, block_grad_);
    for (std::size_t k = 0; k < block_grad_.size(); ++k) sums_[1 + k] += block_grad_[k];
  }
  workers_.allreduce(std::span<double>(sums_));
  workers_.broadcast(std::span<double>(sums_), 0);  // the same bits on every worker
  double loss = sums_[0] / rows_;
  for (std::size_t k = 0; k < grad.size(); ++k) {
    grad[k] = sums_[1 + k] / rows_;
    if (mask_[k]) {
      grad[k] += l2_ * params[k];
      loss += 0.5 * l2_ * params[k] * params[k];
    }
  }
  return loss;
}

}  // namespace psml::train
