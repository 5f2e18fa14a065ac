#include "psml/train/train_config.hpp"

#include <charconv>
#include <type_traits>
#include <vector>

#include "psml/core/rng.hpp"

namespace psml::train {

std::string to_string(Mode mode) {
  return mode == Mode::kPs ? "ps" : "allreduce";
}
std::string to_string(Solver solver) {
  switch (solver) {
    case Solver::kExact:
      return "exact";
    case Solver::kLbfgs:
      return "lbfgs";
    case Solver::kAuto:
      return "auto";
    case Solver::kSgd:
      break;
  }
  return "sgd";
}

std::string to_string(ps::PayloadPath path) {
  switch (path) {
    case ps::PayloadPath::kSharedMemory:
      return "shm";
    case ps::PayloadPath::kMpi:
      return "mpi";
    case ps::PayloadPath::kAuto:
      break;
  }
  return "auto";
}

std::string to_string(SparseExchange exchange) {
  switch (exchange) {
    case SparseExchange::kDense:
      return "dense";
    case SparseExchange::kSparse:
      return "sparse";
    case SparseExchange::kAuto:
      break;
  }
  return "auto";
}

std::string to_string(allreduce::AllreduceKind kind) {
  switch (kind) {
    case allreduce::AllreduceKind::kSharedMemory:
      return "shm";
    case allreduce::AllreduceKind::kMpi:
      return "mpi";
    case allreduce::AllreduceKind::kAuto:
      break;
  }
  return "auto";
}

namespace {

// "key=value" pairs, space-separated; numbers in their shortest text that reads back exactly, so
// that two values that differ in any bit write differently.
class FieldText {
 public:
  FieldText& operator()(const char* key, const std::string& value) {
    if (!out_.empty()) out_ += ' ';
    out_.append(key).append("=").append(value);
    return *this;
  }
  FieldText& operator()(const char* key, bool value) {
    return (*this)(key, std::string(value ? "true" : "false"));
  }
  template <class Number>
  requires std::is_arithmetic_v<Number> FieldText& operator()(const char* key, Number value) {
    char text[64];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return (*this)(key, std::string(text, end));
  }
  std::string str() && { return std::move(out_); }

 private:
  std::string out_;
};

std::string join(const std::vector<std::int64_t>& values) {
  std::string out;
  for (const auto v : values) {
    if (!out.empty()) out += ',';
    out += std::to_string(v);
  }
  return out;
}

}  // namespace

std::string TrainConfig::describe() const {
  FieldText f;
  f("data", train_path)("test", test_path)("mode", to_string(mode))("servers", servers);
  f("features_path", data_names.features)("labels_path", data_names.labels);
  f("key_layout", key_layout ? to_string(*key_layout) : "auto");
  f("consistency", consistency.describe())("consistency_bound", consistency.bound);
  f("ps_transport", static_cast<int>(ps_transport));
  f("deadline", deadline)("solver", to_string(solver));
  f("sparse_exchange", static_cast<int>(sparse_exchange));
  f("lbfgs_history", lbfgs.history)("max_iter", lbfgs.max_iterations)("gtol", lbfgs.gtol);
  f("ftol", lbfgs.ftol)("lbfgs_l1", lbfgs.l1)("lbfgs_c1", lbfgs.c1)("lbfgs_c2", lbfgs.c2);
  f("lbfgs_evaluations", lbfgs.max_evaluations_per_search);
  f("save_model", save_model)("checkpoint_dir", checkpoint_dir);
  f("checkpoint_every", checkpoint_every)("checkpoint_keep", checkpoint_keep);
  f("resume", resume)("step_check", step_check)("grace_seconds", grace_seconds);
  f("model", model.name)("hidden", join(model.hidden))("activation", model.activation);
  f("output", model.output)("init", model.init)("rff_dim", model.rff_dim);
  f("rff_gamma", model.gamma);
  const auto& o = optimizer;
  f("optimizer", o.name)("lr", o.lr)("momentum", o.hyper.momentum)("beta1", o.hyper.beta1);
  f("beta2", o.hyper.beta2)("rho", o.hyper.rho)("eps", o.hyper.eps)("l2", o.reg.l2);
  f("l2_per_row", l2_per_row)("l1", o.reg.l1)("schedule", optim::to_string(o.schedule.kind))(
      "lr_gamma", o.schedule.gamma);
  f("lr_step_size", o.schedule.step_size)("lr_min", o.schedule.min_lr);
  f("warmup", o.schedule.warmup_steps);
  f("epochs", epochs)("validation", validation)("early_stop", early_stop);
  f("standardize", static_cast<int>(standardize));
  f("batch", global_batch)("batch_order", data::to_string(batch_order));
  f("allreduce", to_string(allreduce))("compression", compression.describe());
  f("compression_ratio", compression.ratio)("compression_rank", compression.rank);
  f("bucket_mb", bucket_mb)("seed", seed)("data_memory", data_memory);
  f("compute_seconds_per_row", compute_seconds_per_row)("trace", trace_path);
  return std::move(f).str();
}

double effective_l2(const TrainConfig& config, std::int64_t rows) {
  if (!config.l2_per_row || rows <= 0) return config.optimizer.reg.l2;
  return 1.0 / static_cast<double>(rows);
}

data::DescribeOptions TrainConfig::data_options() const {
  data::DescribeOptions o;
  o.names = data_names;
  // An mlp's output follows the data, unless --output cross-entropy makes it a classifier.
  if (model.name == "linreg")
    o.task = data::Task::kRegression;
  else if (model.name != "mlp" || model.output == "cross-entropy")
    o.task = data::Task::kClassification;
  return o;
}

std::uint64_t TrainConfig::fingerprint() const {
  std::uint64_t h = 0;
  for (const char c : describe() + "\n" + settings_toml)
    h = mix64(h ^ static_cast<unsigned char>(c));
  return h;
}

}  // namespace psml::train
