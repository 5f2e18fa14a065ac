#include "psml/train/option_rules.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/core/count_of.hpp"
#include "psml/core/error.hpp"
#include "psml/data/generated.hpp"
#include "psml/data/row_range.hpp"
#include "psml/data/streaming_shard.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/ps/roles.hpp"

namespace psml::train {
namespace {

// The conditions many rules share: an option read only by minibatch steps (the full-batch
// solvers read none of the optimizer's), by one mode, or by steps that sum or push a gradient.
const Condition kSgdSolver{"solver", {"sgd"}};
const Condition kLbfgsSolver{"solver", {"lbfgs"}};
const Condition kPsMode{"mode", {"ps"}};
const Condition kAllreduceMode{"mode", {"allreduce"}};
const Condition kSummedSteps{"steps",
                             {"summed"},
                             "applies to steps that sum or push a gradient, not to sparse steps "
                             "gathered"};

std::string number_text(double value) {
  char text[64];
  return {text, std::to_chars(text, text + sizeof text, value).ptr};
}

std::string joined(const std::vector<std::int64_t>& values) {
  std::string text;
  for (const auto v : values) {
    if (!text.empty()) text += ',';
    text += std::to_string(v);
  }
  return text;
}

using ValueOf = std::string (*)(const TrainConfig&);

// Each option of TrainConfig that the table names, by its long name.
const std::map<std::string_view, ValueOf>& option_values() {
  static const std::map<std::string_view, ValueOf> values{
      {"mode", [](const TrainConfig& c) { return to_string(c.mode); }},
      {"solver", [](const TrainConfig& c) { return to_string(c.solver); }},
      {"servers", [](const TrainConfig& c) { return std::to_string(c.servers); }},
      {"consistency", [](const TrainConfig& c) { return c.consistency.describe(); }},
      {"key-layout",
       [](const TrainConfig& c) {
         return c.key_layout ? to_string(*c.key_layout) : std::string("auto");
       }},
      {"ps-transport", [](const TrainConfig& c) { return to_string(c.ps_transport); }},
      {"allreduce", [](const TrainConfig& c) { return to_string(c.allreduce); }},
      {"bucket-mb", [](const TrainConfig& c) { return number_text(c.bucket_mb); }},
      {"compression", [](const TrainConfig& c) { return c.compression.describe(); }},
      {"sparse-exchange", [](const TrainConfig& c) { return to_string(c.sparse_exchange); }},
      {"no-step-check",
       [](const TrainConfig& c) { return std::string(c.step_check ? "false" : "true"); }},
      {"max-iter", [](const TrainConfig& c) { return std::to_string(c.lbfgs.max_iterations); }},
      {"gtol", [](const TrainConfig& c) { return number_text(c.lbfgs.gtol); }},
      {"ftol", [](const TrainConfig& c) { return number_text(c.lbfgs.ftol); }},
      {"lbfgs-history", [](const TrainConfig& c) { return std::to_string(c.lbfgs.history); }},
      {"model", [](const TrainConfig& c) { return c.model.name; }},
      {"hidden", [](const TrainConfig& c) { return joined(c.model.hidden); }},
      {"activation", [](const TrainConfig& c) { return c.model.activation; }},
      {"output", [](const TrainConfig& c) { return c.model.output; }},
      {"init", [](const TrainConfig& c) { return c.model.init; }},
      {"rff-dim", [](const TrainConfig& c) { return std::to_string(c.model.rff_dim); }},
      {"gamma", [](const TrainConfig& c) { return number_text(c.model.gamma); }},
      {"optimizer", [](const TrainConfig& c) { return c.optimizer.name; }},
      {"lr", [](const TrainConfig& c) { return number_text(c.optimizer.lr); }},
      {"momentum", [](const TrainConfig& c) { return number_text(c.optimizer.hyper.momentum); }},
      {"beta1", [](const TrainConfig& c) { return number_text(c.optimizer.hyper.beta1); }},
      {"beta2", [](const TrainConfig& c) { return number_text(c.optimizer.hyper.beta2); }},
      {"rho", [](const TrainConfig& c) { return number_text(c.optimizer.hyper.rho); }},
      {"eps", [](const TrainConfig& c) { return number_text(c.optimizer.hyper.eps); }},
      {"l1", [](const TrainConfig& c) { return number_text(c.optimizer.reg.l1); }},
      {"lr-schedule", [](const TrainConfig& c) { return to_string(c.optimizer.schedule.kind); }},
      {"lr-gamma", [](const TrainConfig& c) { return number_text(c.optimizer.schedule.gamma); }},
      {"lr-step-size",
       [](const TrainConfig& c) { return std::to_string(c.optimizer.schedule.step_size); }},
      {"lr-min", [](const TrainConfig& c) { return number_text(c.optimizer.schedule.min_lr); }},
      {"warmup-steps",
       [](const TrainConfig& c) { return std::to_string(c.optimizer.schedule.warmup_steps); }},
      {"epochs", [](const TrainConfig& c) { return std::to_string(c.epochs); }},
      {"batch", [](const TrainConfig& c) { return std::to_string(c.global_batch); }},
      {"batch-order", [](const TrainConfig& c) { return data::to_string(c.batch_order); }},
      {"early-stop", [](const TrainConfig& c) { return std::to_string(c.early_stop); }},
      {"checkpoint-every", [](const TrainConfig& c) { return c.checkpoint_every; }},
      {"checkpoint-keep", [](const TrainConfig& c) { return std::to_string(c.checkpoint_keep); }},
      {"compute-seconds-per-row",
       [](const TrainConfig& c) { return number_text(c.compute_seconds_per_row); }},
  };
  return values;
}

// Whether the run sets `option`: the command line gave it, or it is not at its default (a
// configuration built in code gives no list; an option of the run record, not of TrainConfig,
// counts as set only when given).
bool is_set(const TrainConfig& config, std::string_view option,
            const std::vector<std::string>& given) {
  if (std::find(given.begin(), given.end(), option) != given.end()) return true;
  if (!option_values().contains(option)) return false;
  static const TrainConfig defaults;
  return option_value(config, option) != option_value(defaults, option);
}

// What the training data and the ranks decide: train() knows it, the command line does not.
struct Decided {
  const data::DatasetInfo& train;
  RankLayout ranks;
};

// Conditions on what the data and the ranks decide, which the command line cannot check.
bool on_data(const Condition& condition) {
  return condition.on == "data" || condition.on == "steps" || condition.on == "sum";
}

// Whether the allreduce sums in shared memory (auto: on one node; its fallback to MPI, where
// shared memory cannot be had, is not foreseen).
bool sums_in_shared_memory(const TrainConfig& config, const RankLayout& ranks) {
  return config.allreduce == allreduce::AllreduceKind::kSharedMemory ||
         (config.allreduce == allreduce::AllreduceKind::kAuto && ranks.size > 1 &&
          ranks.single_node);
}

// The value a condition is on, in this run (`decided`, needed on_data).
std::string value_of(const Condition& condition, const TrainConfig& config,
                     const Decided* decided) {
  if (condition.on == "data") return decided->train.sparse ? "sparse" : "dense";
  if (condition.on == "steps")
    return gathers_sparse_steps(config, decided->train) ? "gathered" : "summed";
  if (condition.on == "sum") return sums_in_shared_memory(config, decided->ranks) ? "shm" : "mpi";
  return option_value(config, condition.on);
}

// The first condition of `rule` the run does not meet (null: the option applies). Conditions on
// the data and the ranks are met when `decided` is null (not known yet).
const Condition* unmet(const OptionRule& rule, const TrainConfig& config, const Decided* decided) {
  for (const auto& condition : rule.applies_when) {
    if (on_data(condition) && !decided) continue;
    const std::string value = value_of(condition, config, decided);
    if (std::find(condition.values.begin(), condition.values.end(), value) ==
        condition.values.end())
      return &condition;
  }
  return nullptr;
}

// "applies to --optimizer momentum or nesterov only", unless the condition says it otherwise.
std::string reason_of(const Condition& condition) {
  if (!condition.reason.empty()) return std::string(condition.reason);
  std::string text = detail::concat("applies to --", condition.on, " ");
  for (std::size_t i = 0; i < condition.values.size(); ++i)
    text += detail::concat(i == 0                             ? ""
                           : i + 1 == condition.values.size() ? " or "
                                                              : ", ",
                           condition.values[i]);
  return text + " only";
}

// "--servers: applies to --mode ps only; this run has --mode allreduce", or for the data
// "--sparse-exchange applies to sparse (CSR) data; train.h5 is dense".
void check_table(const TrainConfig& config, const Decided* decided,
                 const std::vector<std::string>& given) {
  for (const auto& rule : option_rules()) {
    if (!is_set(config, rule.option, given)) continue;
    const Condition* condition = unmet(rule, config, decided);
    if (!condition) continue;
    if (condition->on == "data")
      throw error("--", rule.option, " ", reason_of(*condition), "; ", config.train_path, " is ",
                  decided->train.sparse ? "sparse (CSR)" : "dense");
    if (condition->on == "sum")
      throw error("--", rule.option, ": ", reason_of(*condition), "; this run's ",
                  count_of(decided->ranks.size, "rank"),
                  " on one node sum in shared memory (--allreduce auto; --allreduce mpi sums "
                  "over MPI)");
    if (condition->on == "steps")
      throw error("--", rule.option, ": ", reason_of(*condition), "; this run gathers the sparse ",
                  "steps of ", config.train_path,
                  " (--sparse-exchange dense sums a dense gradient)");
    throw error("--", rule.option, ": ", reason_of(*condition), "; this run has --", condition->on,
                " ", option_value(config, condition->on));
  }
}

void check_solver(const TrainConfig& config) {
  if (config.mode == Mode::kPs && config.solver != Solver::kSgd)
    throw error("--solver ", to_string(config.solver), " runs in --mode allreduce only");
  if (config.solver == Solver::kExact && config.model.name != "linreg")
    throw error("--solver exact is the closed form of --model linreg, not of ", config.model.name);
  if (config.solver == Solver::kLbfgs) {
    const auto& name = config.model.name;
    if (!models::is_linear_model(name))
      throw error(
          "--solver lbfgs minimises the convex linear models (linreg, logreg, softmax, svm), "
          "not ",
          name);
    if (name == "svm" && config.model.output != "squared-hinge")
      throw error(
          "--solver lbfgs needs a smooth loss: the svm's squared hinge (--output "
          "squared-hinge), not the hinge");
  }
  if (config.solver != Solver::kSgd && !config.resume.empty())
    throw error("--resume continues a run of steps; --solver ", to_string(config.solver),
                " fits from the start");
}

// Where --early-stop applies is the table's; what it needs besides is here.
void check_early_stop(const TrainConfig& config) {
  if (config.early_stop <= 0) return;
  if (config.validation <= 0) throw error("--early-stop: needs --validation (the rows it watches)");
  if (!config.resume.empty())
    throw error(
        "--early-stop watches the validation loss from the run's first epoch: not with "
        "--resume");
}

void check_compression(const TrainConfig& config) {
  const bool compressed = config.compression.kind != compress::CompressionSpec::Kind::kNone;
  if (compressed && config.allreduce == allreduce::AllreduceKind::kSharedMemory)
    throw error("--compression: sends compressed gradients over MPI: not with --allreduce shm");
  if (compressed && config.ps_transport == ps::PayloadPath::kSharedMemory)
    throw error("--compression: sends compressed pushes over MPI: not with --ps-transport shm");
}

// --data-memory on dense data: what cannot run when a worker's shard is streamed (the largest
// shard, the first worker's, is larger than the budget).
void check_streaming(const TrainConfig& config, const data::DatasetInfo& train, int world_size) {
  if (config.data_memory <= 0) return;
  if (train.sparse)
    throw error("--data-memory streams dense data only; ", config.train_path,
                " is sparse (CSR), whose shard is read whole");
  const int workers =
      config.mode == Mode::kPs ? ps::make_roles(world_size, config.servers).workers : world_size;
  if (train.rows < workers) return;  // the set-up says so, naming the file
  const auto largest = data::balanced_range(train.rows, workers, 0).count;
  if (!streams_rows(config, train, largest)) return;
  if (config.validation > 0)
    throw error("--validation holds rows out of a shard in memory; --data-memory streams ",
                train.path);
  if (data::parse_generated(train.path))
    throw error("--data-memory streams a file's rows; ", train.path,
                " is generated in memory, each worker's rows at once");
  if (config.batch_order != data::BatchOrder::kLocal)
    throw error("--data-memory streams the training data in --batch-order local only");
  if (config.solver != Solver::kSgd)
    throw error("--solver ", to_string(config.solver),
                " reads every row at once; --data-memory streams them");
}

void check_against_data(const TrainConfig& config, const data::DatasetInfo& train, int world_size) {
  if (train.sparse && config.solver == Solver::kExact)
    throw error(config.train_path, ": sparse (CSR) data: --solver exact solves dense data");
  check_streaming(config, train, world_size);
  // A server factors the whole rows of the weight matrices it holds.
  if (config.mode == Mode::kPs &&
      config.compression.kind == compress::CompressionSpec::Kind::kPowerSgd &&
      resolved_key_layout(config, train) != ps::KeyLayoutKind::kRanges)
    throw error("--compression ", config.compression.describe(),
                " needs --key-layout ranges (a server factors the whole rows of the weight "
                "matrices it holds)");
}

}  // namespace

const std::vector<OptionRule>& option_rules() {
  // The model's options, where `psml train --help` says ("mlp: ...").
  const Condition mlp{"model", {"mlp"}};
  // --early-stop keeps the best epoch's parameters on the workers, which gathered steps do not
  // share (each rank's own copy). --bucket-mb: each bucket an MPI allreduce of its own, which
  // the shared-memory sum and the compressed exchanges do not make.
  static const std::vector<OptionRule> rules{
      {"hidden", {mlp}},
      {"activation", {mlp}},
      {"init", {mlp}},
      {"output", {{"model", {"mlp", "svm"}}}},
      {"rff-dim", {{"model", {"rff-svm"}}}},
      {"gamma", {{"model", {"rff-svm"}}}},
      {"max-iter", {kLbfgsSolver}},
      {"gtol", {kLbfgsSolver}},
      {"ftol", {kLbfgsSolver}},
      {"lbfgs-history", {kLbfgsSolver}},
      {"l1", {{"solver", {"sgd", "lbfgs"}}}},
      {"optimizer", {kSgdSolver}},
      {"lr", {kSgdSolver}},
      {"momentum", {kSgdSolver, {"optimizer", {"momentum", "nesterov"}}}},
      {"beta1", {kSgdSolver, {"optimizer", {"adam", "adamw"}}}},
      {"beta2", {kSgdSolver, {"optimizer", {"adam", "adamw"}}}},
      {"rho", {kSgdSolver, {"optimizer", {"rmsprop"}}}},
      {"eps", {kSgdSolver, {"optimizer", {"adagrad", "rmsprop", "adam", "adamw"}}}},
      {"lr-schedule", {kSgdSolver}},
      {"lr-gamma", {kSgdSolver, {"lr-schedule", {"step", "exponential"}}}},
      {"lr-step-size", {kSgdSolver, {"lr-schedule", {"step", "exponential"}}}},
      {"lr-min", {kSgdSolver, {"lr-schedule", {"cosine"}}}},
      {"warmup-steps", {kSgdSolver}},
      {"epochs", {kSgdSolver}},
      {"batch", {kSgdSolver}},
      {"batch-order", {kSgdSolver}},
      {"checkpoint-every", {kSgdSolver}},
      {"log-every", {kSgdSolver}},
      {"compute-seconds-per-row", {kSgdSolver}},
      {"early-stop", {kSgdSolver, kAllreduceMode, kSummedSteps}},
      {"servers", {kPsMode}},
      {"consistency", {kPsMode}},
      {"key-layout", {kPsMode}},
      {"ps-transport", {kPsMode}},
      {"allreduce", {kAllreduceMode, kSgdSolver, kSummedSteps}},
      {"bucket-mb",
       {kAllreduceMode,
        kSgdSolver,
        {"allreduce", {"auto", "mpi"}, "applies to --allreduce mpi (or auto across nodes) only"},
        {"compression", {"none"}},
        kSummedSteps,
        {"sum", {"mpi"}, "applies to an allreduce over MPI only"}}},
      {"compression", {kSgdSolver, kSummedSteps}},
      {"no-step-check", {kSgdSolver, kSummedSteps}},
      {"sparse-exchange",
       {kAllreduceMode, kSgdSolver, {"data", {"sparse"}, "applies to sparse (CSR) data"}}},
  };
  return rules;
}

std::string option_value(const TrainConfig& config, std::string_view option) {
  const auto& values = option_values();
  const auto it = values.find(option);
  if (it == values.end())
    throw error("option_value: --", option, " is not an option of TrainConfig the rules name");
  return it->second(config);
}

std::string option_rules_json() {
  const TrainConfig defaults;
  std::string rows;  // one option a line, for people too
  for (const auto& rule : option_rules()) {
    auto conditions = nlohmann::ordered_json::array();
    for (const auto& c : rule.applies_when) {
      nlohmann::ordered_json condition{{"on", c.on}, {"values", c.values}};
      if (!on_data(c)) condition["default"] = option_value(defaults, c.on);
      condition["reason"] = reason_of(c);
      conditions.push_back(std::move(condition));
    }
    const nlohmann::ordered_json row{{"option", rule.option},
                                     {"applies_when", std::move(conditions)}};
    rows += (rows.empty() ? "  " : ",\n  ") + row.dump();
  }
  return "{\"options\": [\n" + rows + "\n]}\n";
}

void check_options(const TrainConfig& config, const std::vector<std::string>& given) {
  check_solver(config);  // what cannot run at all, before what would be ignored
  check_table(config, nullptr, given);
  check_early_stop(config);
  check_compression(config);
  checkpoint::Every::parse_or_none(config.checkpoint_every);  // "500steps", "2epochs"
}

void check_options(const TrainConfig& config, const data::DatasetInfo& train,
                   const RankLayout& ranks, const std::vector<std::string>& given) {
  check_options(config, given);
  // Not on the command line: --run-dir and --resume choose the folder when it gives none.
  if (config.checkpoint_dir.empty()) {
    if (!config.checkpoint_every.empty()) throw error("--checkpoint-every needs --checkpoint-dir");
    if (is_set(config, "checkpoint-keep", given))
      throw error("--checkpoint-keep needs --checkpoint-dir (or --run-dir)");
  }
  const Decided decided{train, ranks};
  check_table(config, &decided, given);
  check_against_data(config, train, ranks.size);
}

bool gathers_sparse_steps(const TrainConfig& config, const data::DatasetInfo& train) {
  if (config.mode != Mode::kAllreduce || !train.sparse || config.solver != Solver::kSgd)
    return false;
  if (config.sparse_exchange != SparseExchange::kAuto)
    return config.sparse_exchange == SparseExchange::kSparse;
  const double per_row =
      train.rows > 0 ? static_cast<double>(train.nnz) / static_cast<double>(train.rows) : 0.0;
  return 1.5 * static_cast<double>(config.global_batch) * per_row <
         static_cast<double>(train.features);
}

bool streams_rows(const TrainConfig& config, const data::DatasetInfo& train, std::int64_t rows) {
  return config.data_memory > 0 &&
         rows * data::StreamingShard::row_bytes(train) > config.data_memory;
}

ps::KeyLayoutKind resolved_key_layout(const TrainConfig& config, const data::DatasetInfo& train) {
  if (config.key_layout) return *config.key_layout;
  return train.sparse ? ps::KeyLayoutKind::kBlocks : ps::KeyLayoutKind::kRanges;
}

}  // namespace psml::train
