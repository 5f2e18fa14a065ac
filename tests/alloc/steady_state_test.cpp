// The steady state of training allocates nothing: after the first steps, 100 steps of every model
// (choosing the step's rows, gathering them, forward and backward, the optimizer's update) make
// no heap allocation, in either batch order. The global order gives a rank shares of different
// sizes from step to step, which is what made Eigen's resize reallocate.
#include <gtest/gtest.h>

#include <random>
#include <tuple>

#include "counting_malloc.hpp"
#include "psml/data/batcher.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/optim/optimizer_factory.hpp"
#include "psml/train/dense_learner.hpp"

namespace psml {
namespace {

// A rank's shard of a synthetic data set: 1000 of 4000 rows (a quarter, as rank 1 of 4).
data::Shard make_shard(data::Task task, std::int64_t features, int classes) {
  data::Shard shard;
  shard.rows = {1000, 1000};
  shard.info.rows = 4000;
  shard.info.features = features;
  shard.info.task = task;
  shard.info.num_classes = classes;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  shard.x.resize(shard.rows.count, features);
  for (Eigen::Index i = 0; i < shard.x.size(); ++i) shard.x.data()[i] = normal(rng);
  if (task == data::Task::kRegression) {
    shard.targets.resize(shard.rows.count);
    for (Eigen::Index i = 0; i < shard.targets.size(); ++i) shard.targets[i] = normal(rng);
  } else {
    shard.classes.resize(shard.rows.count);
    for (Eigen::Index i = 0; i < shard.classes.size(); ++i)
      shard.classes[i] = static_cast<int>(rng() % static_cast<unsigned>(classes));
  }
  return shard;
}

class SteadyState : public ::testing::TestWithParam<std::tuple<std::string, data::BatchOrder>> {};

TEST_P(SteadyState, OneHundredStepsAllocateNothing) {
  const auto& [name, order] = GetParam();
  models::ModelSpec spec;
  spec.name = name;
  spec.hidden = {32, 16};
  spec.rff_dim = 64;
  const bool regression = name == "linreg";
  const int classes = name == "logreg" ? 2 : 5;
  const auto task = regression ? data::Task::kRegression : data::Task::kClassification;
  const std::int64_t features = 20;
  auto model = models::make_model<float>(spec, features, task, regression ? 0 : classes, 1);
  train::DenseLearner learner(std::move(model), make_shard(task, features, classes), {}, false);
  data::Batcher batcher(4000, {1000, 1000}, 64, 7, order, 1);
  optim::OptimizerSpec ospec;
  ospec.name = "adam";
  const auto optimizer = optim::make_optimizer(ospec);
  const auto p = static_cast<std::size_t>(learner.num_keys());
  AlignedVector<float> params(p), grad(p), state(optimizer->state_slots() * p);
  learner.init_params(params, 1);
  learner.reserve(batcher.max_local_rows());
  std::vector<std::int64_t> rows;
  rows.reserve(static_cast<std::size_t>(batcher.max_local_rows()));
  const auto step = [&](std::int64_t s) {
    batcher.local_rows(s % batcher.steps_per_epoch(), rows);
    const auto batch = learner.select(rows);
    learner.loss_and_gradient(batch, params, grad);
    optimizer->step(params, grad, state,
                    {0.01f, s + 1, 1.0f / static_cast<float>(batch.rows() + 1)});
  };
  for (std::int64_t s = 0; s < 3; ++s) step(s);  // warm-up
  testing::AllocationCounter counter;
  for (std::int64_t s = 3; s < 53; ++s) step(s);
  batcher.begin_epoch(1);  // an epoch boundary in the middle: a new order, no new memory
  for (std::int64_t s = 0; s < 50; ++s) step(s);
  EXPECT_EQ(counter.allocations(), 0) << name << ", " << data::to_string(order) << " order";
}

INSTANTIATE_TEST_SUITE_P(
    EveryModel, SteadyState,
    ::testing::Combine(::testing::Values("softmax", "logreg", "svm", "rff-svm", "mlp", "linreg"),
                       ::testing::Values(data::BatchOrder::kLocal, data::BatchOrder::kGlobal)),
    [](const auto& param_info) {
      auto name = std::get<0>(param_info.param);
      std::replace(name.begin(), name.end(), '-', '_');
      return name + "_" + data::to_string(std::get<1>(param_info.param));
    });

TEST(AllocationCounter, CountsWhatItShould) {
  testing::AllocationCounter counter;
  std::vector<float> v(10);
  Eigen::MatrixXf m(4, 4);
  EXPECT_GE(counter.allocations(), 2) << "the counter must see vectors and Eigen matrices";
}

}  // namespace
}  // namespace psml
