#include "psml/train/option_rules.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/core/error.hpp"
#include "psml/data/generated.hpp"
#include "psml/data/row_range.hpp"
#include "psml/data/streaming_shard.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/ps/roles.hpp"

namespace psml::train {
namespace {

const Condition kPsMode{"mode", {"ps"}, "applies to --mode ps only"};
const Condition kAllreduceMode{"mode", {"allreduce"}, "applies to --mode allreduce only"};
const Condition kLbfgsSolver{"solver", {"lbfgs"}, "applies to --solver lbfgs only"};

std::string number_text(double value) {
  char text[64];
  return {text, std::to_chars(text, text + sizeof text, value).ptr};
}

// Whether the run sets `option`: the command line gave it, or it is not at its default (a
// configuration built in code gives no list).
bool is_set(const TrainConfig& config, std::string_view option,
            const std::vector<std::string>& given) {
  if (std::find(given.begin(), given.end(), option) != given.end()) return true;
  static const TrainConfig defaults;
  return option_value(config, option) != option_value(defaults, option);
}

// The first condition of `rule` the run does not meet (null: the option applies). Conditions on
// the data are met when `train` is null (not known yet).
const Condition* unmet(const OptionRule& rule, const TrainConfig& config,
                       const data::DatasetInfo* train) {
  for (const auto& condition : rule.applies_when) {
    if (condition.on == "data" && !train) continue;
    const std::string value = condition.on == "data" ? (train->sparse ? "sparse" : "dense")
                                                     : option_value(config, condition.on);
    if (std::find(condition.values.begin(), condition.values.end(), value) ==
        condition.values.end())
      return &condition;
  }
  return nullptr;
}

// "--servers: applies to --mode ps only; this run has --mode allreduce", or for the data
// "--sparse-exchange applies to sparse (CSR) data; train.h5 is dense".
void check_table(const TrainConfig& config, const data::DatasetInfo* train,
                 const std::vector<std::string>& given) {
  for (const auto& rule : option_rules()) {
    if (!is_set(config, rule.option, given)) continue;
    const Condition* condition = unmet(rule, config, train);
    if (!condition) continue;
    if (condition->on == "data")
      throw error("--", rule.option, " ", condition->reason, "; ", config.train_path, " is ",
                  train->sparse ? "sparse (CSR)" : "dense");
    throw error("--", rule.option, ": ", condition->reason, "; this run has --", condition->on, " ",
                option_value(config, condition->on));
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

void check_early_stop(const TrainConfig& config) {
  if (config.early_stop <= 0) return;
  if (config.validation <= 0) throw error("--early-stop: needs --validation (the rows it watches)");
  if (!config.resume.empty())
    throw error(
        "--early-stop watches the validation loss from the run's first epoch: not with "
        "--resume");
  if (config.mode == Mode::kPs || config.solver != Solver::kSgd)
    throw error(
        "--early-stop keeps the best epoch's parameters on the workers: --mode allreduce with "
        "--solver sgd");
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
  if (config.early_stop > 0 && gathers_sparse_steps(config, train))
    throw error(
        "--early-stop keeps the best epoch's parameters on the workers: not with sparse steps "
        "gathered (--sparse-exchange dense)");
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
  static const std::vector<OptionRule> rules{
      {"servers", {kPsMode}},
      {"consistency", {kPsMode}},
      {"key-layout", {kPsMode}},
      {"ps-transport", {kPsMode}},
      {"allreduce", {kAllreduceMode}},
      {"bucket-mb",
       {kAllreduceMode,
        {"allreduce", {"auto", "mpi"}, "applies to --allreduce mpi (or auto across nodes) only"}}},
      {"sparse-exchange", {kAllreduceMode, {"data", {"sparse"}, "applies to sparse (CSR) data"}}},
      {"max-iter", {kLbfgsSolver}},
      {"gtol", {kLbfgsSolver}},
      {"ftol", {kLbfgsSolver}},
      {"lbfgs-history", {kLbfgsSolver}},
  };
  return rules;
}

std::string option_value(const TrainConfig& config, std::string_view option) {
  if (option == "mode") return to_string(config.mode);
  if (option == "solver") return to_string(config.solver);
  if (option == "allreduce") return to_string(config.allreduce);
  if (option == "servers") return std::to_string(config.servers);
  if (option == "consistency") return config.consistency.describe();
  if (option == "key-layout") return config.key_layout ? to_string(*config.key_layout) : "auto";
  if (option == "ps-transport") return to_string(config.ps_transport);
  if (option == "bucket-mb") return number_text(config.bucket_mb);
  if (option == "sparse-exchange") return to_string(config.sparse_exchange);
  if (option == "max-iter") return std::to_string(config.lbfgs.max_iterations);
  if (option == "gtol") return number_text(config.lbfgs.gtol);
  if (option == "ftol") return number_text(config.lbfgs.ftol);
  if (option == "lbfgs-history") return std::to_string(config.lbfgs.history);
  throw error("option_value: --", option, " is not an option the option rules name");
}

std::string option_rules_json() {
  const TrainConfig defaults;
  std::string rows;  // one option a line, for people too
  for (const auto& rule : option_rules()) {
    auto conditions = nlohmann::ordered_json::array();
    for (const auto& c : rule.applies_when) {
      nlohmann::ordered_json condition{{"on", c.on}, {"values", c.values}, {"reason", c.reason}};
      if (c.on != "data") condition["default"] = option_value(defaults, c.on);
      conditions.push_back(std::move(condition));
    }
    const nlohmann::ordered_json row{{"option", rule.option},
                                     {"applies_when", std::move(conditions)}};
    rows += (rows.empty() ? "  " : ",\n  ") + row.dump();
  }
  return "{\"options\": [\n" + rows + "\n]}\n";
}

void check_options(const TrainConfig& config, const std::vector<std::string>& given) {
  check_table(config, nullptr, given);
  check_early_stop(config);
  check_compression(config);
  check_solver(config);
  checkpoint::Every::parse_or_none(config.checkpoint_every);  // "500steps", "2epochs"
}

void check_options(const TrainConfig& config, const data::DatasetInfo& train, int world_size,
                   const std::vector<std::string>& given) {
  check_options(config, given);
  // Not on the command line: --run-dir and --resume choose the folder when it gives none.
  if (!config.checkpoint_every.empty() && config.checkpoint_dir.empty())
    throw error("--checkpoint-every needs --checkpoint-dir");
  check_table(config, &train, given);
  check_against_data(config, train, world_size);
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
