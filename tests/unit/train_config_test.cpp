// The configuration's fingerprint (train/train_config.hpp), which ranks compare before training:
// a change to any one field changes it, so ranks started with different options cannot agree.
#include "psml/train/train_config.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace psml::train {
namespace {

using Change = std::pair<const char*, std::function<void(TrainConfig&)>>;

// One change per field of TrainConfig and of the specs inside it, each to a value next to the
// default: a field left out of describe() fails here.
const std::vector<Change>& changes() {
  static const std::vector<Change> list{
      {"train_path", [](TrainConfig& c) { c.train_path = "b.h5"; }},
      {"test_path", [](TrainConfig& c) { c.test_path = "t.h5"; }},
      {"features_path", [](TrainConfig& c) { c.data_names.features = "train/X"; }},
      {"labels_path", [](TrainConfig& c) { c.data_names.labels = "train/y"; }},
      {"mode", [](TrainConfig& c) { c.mode = Mode::kPs; }},
      {"servers", [](TrainConfig& c) { c.servers = 2; }},
      {"key_layout", [](TrainConfig& c) { c.key_layout = ps::KeyLayoutKind::kRanges; }},
      {"consistency", [](TrainConfig& c) { c.consistency.kind = ps::Consistency::Kind::kAsync; }},
      {"consistency bound", [](TrainConfig& c) { c.consistency.bound = 1; }},
      {"ps_transport", [](TrainConfig& c) { c.ps_transport = ps::PayloadPath::kMpi; }},
      {"deadline", [](TrainConfig& c) { c.deadline = 300.0000001; }},
      {"solver", [](TrainConfig& c) { c.solver = Solver::kLbfgs; }},
      {"sparse_exchange", [](TrainConfig& c) { c.sparse_exchange = SparseExchange::kDense; }},
      {"lbfgs.history", [](TrainConfig& c) { c.lbfgs.history = 11; }},
      {"lbfgs.max_iterations", [](TrainConfig& c) { c.lbfgs.max_iterations = 101; }},
      {"lbfgs.gtol", [](TrainConfig& c) { c.lbfgs.gtol = 1.0000001e-6; }},
      {"lbfgs.ftol", [](TrainConfig& c) { c.lbfgs.ftol *= 1.0000001; }},
      {"lbfgs.l1", [](TrainConfig& c) { c.lbfgs.l1 = 1e-9; }},
      {"lbfgs.c1", [](TrainConfig& c) { c.lbfgs.c1 = 1.0000001e-4; }},
      {"lbfgs.c2", [](TrainConfig& c) { c.lbfgs.c2 = 0.90000001; }},
      {"lbfgs.max_evaluations", [](TrainConfig& c) { c.lbfgs.max_evaluations_per_search = 41; }},
      {"save_model", [](TrainConfig& c) { c.save_model = "m.ckpt"; }},
      {"checkpoint_dir", [](TrainConfig& c) { c.checkpoint_dir = "ckpt"; }},
      {"checkpoint_every", [](TrainConfig& c) { c.checkpoint_every = "1epoch"; }},
      {"checkpoint_keep", [](TrainConfig& c) { c.checkpoint_keep = 4; }},
      {"resume", [](TrainConfig& c) { c.resume = "ckpt"; }},
      {"step_check", [](TrainConfig& c) { c.step_check = false; }},
      {"grace_seconds", [](TrainConfig& c) { c.grace_seconds = 21; }},
      {"model.name", [](TrainConfig& c) { c.model.name = "mlp"; }},
      {"model.hidden",
       [](TrainConfig& c) {
         c.model.hidden = {256, 129};
       }},
      {"model.activation", [](TrainConfig& c) { c.model.activation = "tanh"; }},
      {"model.output", [](TrainConfig& c) { c.model.output = "squared"; }},
      {"model.init", [](TrainConfig& c) { c.model.init = "he"; }},
      {"model.rff_dim", [](TrainConfig& c) { c.model.rff_dim = 2049; }},
      {"model.gamma", [](TrainConfig& c) { c.model.gamma = 0.0200000001; }},
      {"optimizer.name", [](TrainConfig& c) { c.optimizer.name = "adam"; }},
      {"optimizer.lr", [](TrainConfig& c) { c.optimizer.lr = 0.10000001f; }},
      {"optimizer.momentum", [](TrainConfig& c) { c.optimizer.hyper.momentum = 0.91f; }},
      {"optimizer.beta1", [](TrainConfig& c) { c.optimizer.hyper.beta1 = 0.91f; }},
      {"optimizer.beta2", [](TrainConfig& c) { c.optimizer.hyper.beta2 = 0.99f; }},
      {"optimizer.rho", [](TrainConfig& c) { c.optimizer.hyper.rho = 0.91f; }},
      {"optimizer.eps", [](TrainConfig& c) { c.optimizer.hyper.eps = 1.1e-8f; }},
      {"optimizer.l2", [](TrainConfig& c) { c.optimizer.reg.l2 = 1e-9f; }},
      {"l2_per_row", [](TrainConfig& c) { c.l2_per_row = true; }},
      {"optimizer.l1", [](TrainConfig& c) { c.optimizer.reg.l1 = 1e-9f; }},
      {"schedule.kind",
       [](TrainConfig& c) { c.optimizer.schedule.kind = optim::ScheduleKind::kCosine; }},
      {"schedule.gamma", [](TrainConfig& c) { c.optimizer.schedule.gamma = 0.11f; }},
      {"schedule.step_size", [](TrainConfig& c) { c.optimizer.schedule.step_size = 1001; }},
      {"schedule.min_lr", [](TrainConfig& c) { c.optimizer.schedule.min_lr = 1e-9f; }},
      {"schedule.warmup_steps", [](TrainConfig& c) { c.optimizer.schedule.warmup_steps = 1; }},
      {"epochs", [](TrainConfig& c) { c.epochs = 11; }},
      {"validation", [](TrainConfig& c) { c.validation = 1e-9; }},
      {"early_stop", [](TrainConfig& c) { c.early_stop = 1; }},
      {"standardize", [](TrainConfig& c) { c.standardize = true; }},
      {"global_batch", [](TrainConfig& c) { c.global_batch = 129; }},
      {"batch_order", [](TrainConfig& c) { c.batch_order = data::BatchOrder::kGlobal; }},
      {"allreduce", [](TrainConfig& c) { c.allreduce = allreduce::AllreduceKind::kMpi; }},
      {"compression.kind",
       [](TrainConfig& c) { c.compression.kind = compress::CompressionSpec::Kind::kFp16; }},
      {"compression.ratio", [](TrainConfig& c) { c.compression.ratio = 1e-9; }},
      {"compression.rank", [](TrainConfig& c) { c.compression.rank = 1; }},
      {"bucket_mb", [](TrainConfig& c) { c.bucket_mb = 25.0000001; }},
      {"seed", [](TrainConfig& c) { c.seed = 2; }},
      {"data_memory", [](TrainConfig& c) { c.data_memory = 1; }},
      {"compute_seconds_per_row", [](TrainConfig& c) { c.compute_seconds_per_row = 1e-12; }},
      {"trace_path", [](TrainConfig& c) { c.trace_path = "trace.json"; }},
      {"settings_toml", [](TrainConfig& c) { c.settings_toml = "epochs = 10\n"; }},
  };
  return list;
}

TEST(TrainConfig, ChangingAnyFieldChangesTheFingerprint) {
  const TrainConfig defaults;
  std::set<std::uint64_t> seen{defaults.fingerprint()};
  for (const auto& [field, change] : changes()) {
    TrainConfig config;
    change(config);
    EXPECT_NE(config.fingerprint(), defaults.fingerprint()) << field;
    EXPECT_TRUE(seen.insert(config.fingerprint()).second) << field << " collides";
  }
}

TEST(TrainConfig, TheFingerprintIsOfTheValuesAlone) {
  TrainConfig a, b;
  a.model.hidden = {64};
  b.model.hidden = {64};
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_EQ(a.describe(), b.describe());
  EXPECT_EQ(a.describe().find('\n'), std::string::npos);  // one line, in an error message
}

// Whole-number float labels are classes for the models that are classifiers, values for linreg,
// and follow the data for an mlp that --output does not make a classifier.
TEST(TrainConfig, TheModelFixesTheTaskOfFloatLabels) {
  const auto task_of = [](const char* model, const char* output) {
    TrainConfig c;
    c.model.name = model;
    c.model.output = output;
    return c.data_options().task;
  };
  EXPECT_EQ(task_of("softmax", "auto"), data::Task::kClassification);
  EXPECT_EQ(task_of("svm", "hinge"), data::Task::kClassification);
  EXPECT_EQ(task_of("linreg", "auto"), data::Task::kRegression);
  EXPECT_EQ(task_of("mlp", "auto"), std::nullopt);
  EXPECT_EQ(task_of("mlp", "cross-entropy"), data::Task::kClassification);
}

}  // namespace
}  // namespace psml::train
