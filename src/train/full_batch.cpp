#include "psml/train/full_batch.hpp"

#include <algorithm>
#include <numeric>

#include "psml/comm/same_bits.hpp"
#include "psml/data/row_blocks.hpp"

namespace psml::train {
namespace {

std::vector<std::uint8_t> mask_of(std::size_t params, const std::vector<MatrixBlock>& matrices) {
  std::vector<std::uint8_t> mask(params, 0);
  for (const auto& m : matrices)
    std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(m.offset), m.size(), 1);
  return mask;
}

}  // namespace

FullBatchObjective::FullBatchObjective(std::unique_ptr<models::ModelT<double>> model,
                                       const data::Shard& shard, double l2,
                                       const comm::Communicator& workers)
    : rows_(static_cast<double>(shard.info.rows)),
      l2_(l2),
      workers_(workers),
      mask_(mask_of(model->num_params(), model->matrices())) {
  // The rows in double, converted once; the model's workspaces sized for a block.
  struct Dense {
    std::unique_ptr<models::ModelT<double>> model;
    data::RowMatrixT<double> x;
    std::vector<std::int32_t> classes;
    std::vector<double> targets, grad;
  };
  auto d = std::make_shared<Dense>();
  d->model = std::move(model);
  d->x = shard.x.cast<double>();
  d->classes.assign(shard.classes.data(), shard.classes.data() + shard.classes.size());
  d->targets.assign(shard.targets.data(), shard.targets.data() + shard.targets.size());
  d->grad.resize(d->model->num_params());
  d->model->reserve(std::min<Eigen::Index>(data::kRowBlock, d->x.rows()));
  local_ = [d](std::span<const double> params, std::span<double> grad) {
    double loss = 0;
    data::for_each_row_block(d->x.rows(), [&](Eigen::Index first, Eigen::Index n) {
      const auto at = static_cast<std::size_t>(first), count = static_cast<std::size_t>(n);
      const data::BatchViewT<double> batch{
          {d->x.data() + first * d->x.cols(), n, d->x.cols()},
          d->classes.empty() ? std::span<const std::int32_t>()
                             : std::span<const std::int32_t>(d->classes).subspan(at, count),
          d->targets.empty() ? std::span<const double>()
                             : std::span<const double>(d->targets).subspan(at, count)};
      loss += d->model->loss_and_gradient(params, batch, d->grad);
      for (std::size_t k = 0; k < grad.size(); ++k) grad[k] += d->grad[k];
    });
    return loss;
  };
}

FullBatchObjective::FullBatchObjective(std::unique_ptr<models::SparseLinearModel<double>> model,
                                       const data::SparseShard& shard, double l2,
                                       const comm::Communicator& workers)
    : rows_(static_cast<double>(shard.info.rows)),
      l2_(l2),
      workers_(workers),
      mask_(mask_of(static_cast<std::size_t>(model->num_keys()), {model->matrix()})) {
  struct Sparse {
    std::unique_ptr<models::SparseLinearModel<double>> model;
    const data::SparseShard* shard;
    std::vector<std::int64_t> rows, keys;
  };
  auto sp = std::make_shared<Sparse>();
  sp->model = std::move(model);
  sp->shard = &shard;
  local_ = [sp](std::span<const double> params, std::span<double> grad) {
    double loss = 0;
    data::for_each_row_block(sp->shard->x.rows(), [&](Eigen::Index first, Eigen::Index n) {
      sp->rows.resize(static_cast<std::size_t>(n));
      std::iota(sp->rows.begin(), sp->rows.end(), std::int64_t{first});
      sp->model->keys_of(sp->shard->x, sp->rows, sp->keys);
      loss += sp->model->add_loss_and_gradient(*sp->shard, sp->rows, sp->keys, params, grad);
    });
    return loss;
  };
}

double FullBatchObjective::operator()(std::span<const double> params, std::span<double> grad) {
  ++evaluations_;
  sums_.assign(1 + mask_.size(), 0.0);
  sums_[0] = local_(params, std::span<double>(sums_).subspan(1));
  comm::allreduce_same_bits(workers_, sums_);
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
