// Which options of psml train go together (train/option_rules.hpp): one table of runs, each with
// the error it must raise (or none), against dense and sparse training data.
#include "psml/train/option_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "psml/core/error.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/optim/optimizer_factory.hpp"
#include "psml/optim/schedule.hpp"

namespace psml::train {
namespace {

enum class Data { kDense, kSparse, kGenerated };

struct Case {
  const char* name;
  std::function<void(TrainConfig&)> change;
  Data data;
  std::string error;                    // a substring of the message; empty: the run is accepted
  std::vector<std::string> given = {};  // what the command line gave, beyond the changes
  int world_size = 4;
  bool single_node = false;  // where --allreduce auto sums in shared memory
};

data::DatasetInfo info_of(Data data) {
  data::DatasetInfo info;
  info.path = data == Data::kGenerated ? "synthetic:classes=4,features=32,rows=4000" : "train.h5";
  info.rows = 4000;
  info.features = 32;
  info.features_dtype = "float32";
  info.labels_dtype = "int32";
  info.num_classes = 4;
  if (data == Data::kSparse) {
    info.sparse = true;
    info.features = 100000;
    info.nnz = 40000;  // 10 per row: auto gathers the steps
  }
  return info;
}

// --data-memory that streams the dense shards of 1000 rows (32 float features each).
constexpr std::int64_t kStreams = 16 * 1024;

const std::vector<Case>& cases() {
  static const std::vector<Case> table{
      {"defaults", [](TrainConfig&) {}, Data::kDense, ""},
      {"defaults on sparse data", [](TrainConfig&) {}, Data::kSparse, ""},
      // Options of the other mode.
      {"servers in allreduce mode", [](TrainConfig& c) { c.servers = 3; }, Data::kDense,
       "--servers: applies to --mode ps only; this run has --mode allreduce"},
      {"consistency in allreduce mode",
       [](TrainConfig& c) { c.consistency = ps::Consistency::parse("ssp:2"); }, Data::kDense,
       "--consistency: applies to --mode ps only"},
      {"key layout in allreduce mode",
       [](TrainConfig& c) { c.key_layout = ps::KeyLayoutKind::kBlocks; }, Data::kDense,
       "--key-layout: applies to --mode ps only"},
      {"ps transport in allreduce mode",
       [](TrainConfig& c) { c.ps_transport = ps::PayloadPath::kMpi; }, Data::kDense,
       "--ps-transport: applies to --mode ps only"},
      {"servers given at the default",
       [](TrainConfig&) {},
       Data::kDense,
       "--servers: applies to --mode ps only",
       {"servers"}},
      {"servers in ps mode",
       [](TrainConfig& c) {
         c.mode = Mode::kPs;
         c.servers = 2;
       },
       Data::kDense, ""},
      {"allreduce kind in ps mode",
       [](TrainConfig& c) {
         c.mode = Mode::kPs;
         c.allreduce = allreduce::AllreduceKind::kSharedMemory;
       },
       Data::kDense, "--allreduce: applies to --mode allreduce only; this run has --mode ps"},
      {"bucket size in ps mode",
       [](TrainConfig& c) {
         c.mode = Mode::kPs;
         c.bucket_mb = 4;
       },
       Data::kDense, "--bucket-mb: applies to --mode allreduce only"},
      {"sparse exchange in ps mode",
       [](TrainConfig& c) {
         c.mode = Mode::kPs;
         c.sparse_exchange = SparseExchange::kSparse;
       },
       Data::kSparse, "--sparse-exchange: applies to --mode allreduce only"},
      {"bucket size with shm",
       [](TrainConfig& c) {
         c.allreduce = allreduce::AllreduceKind::kSharedMemory;
         c.bucket_mb = 4;
       },
       Data::kDense,
       "--bucket-mb: applies to --allreduce mpi (or auto across nodes) only; this run has "
       "--allreduce shm"},
      {"bucket size with auto on one node",
       [](TrainConfig& c) { c.bucket_mb = 4; },
       Data::kDense,
       "--bucket-mb: applies to an allreduce over MPI only; this run's 4 ranks on one node sum "
       "in shared memory",
       {},
       4,
       true},
      {"bucket size with auto across nodes", [](TrainConfig& c) { c.bucket_mb = 4; }, Data::kDense,
       ""},
      {"bucket size with auto on one rank",
       [](TrainConfig& c) { c.bucket_mb = 4; },
       Data::kDense,
       "",
       {},
       1,
       true},
      {"bucket size with mpi on one node",
       [](TrainConfig& c) {
         c.allreduce = allreduce::AllreduceKind::kMpi;
         c.bucket_mb = 4;
       },
       Data::kDense,
       "",
       {},
       4,
       true},
      {"bucket size with mpi",
       [](TrainConfig& c) {
         c.allreduce = allreduce::AllreduceKind::kMpi;
         c.bucket_mb = 4;
       },
       Data::kDense, ""},
      // The solver's options.
      {"max-iter with sgd", [](TrainConfig& c) { c.lbfgs.max_iterations = 5; }, Data::kDense,
       "--max-iter: applies to --solver lbfgs only; this run has --solver sgd"},
      {"gtol with sgd", [](TrainConfig& c) { c.lbfgs.gtol = 1e-3; }, Data::kDense,
       "--gtol: applies to --solver lbfgs only"},
      {"ftol with exact",
       [](TrainConfig& c) {
         c.model.name = "linreg";
         c.solver = Solver::kExact;
         c.lbfgs.ftol = 1e-3;
       },
       Data::kDense, "--ftol: applies to --solver lbfgs only; this run has --solver exact"},
      {"history with sgd", [](TrainConfig& c) { c.lbfgs.history = 3; }, Data::kDense,
       "--lbfgs-history: applies to --solver lbfgs only"},
      {"lbfgs with its options",
       [](TrainConfig& c) {
         c.solver = Solver::kLbfgs;
         c.lbfgs.history = 3;
         c.lbfgs.max_iterations = 5;
       },
       Data::kDense, ""},
      {"lbfgs in ps mode",
       [](TrainConfig& c) {
         c.mode = Mode::kPs;
         c.solver = Solver::kLbfgs;
       },
       Data::kDense, "--solver lbfgs runs in --mode allreduce only"},
      {"lbfgs of an mlp",
       [](TrainConfig& c) {
         c.solver = Solver::kLbfgs;
         c.model.name = "mlp";
       },
       Data::kDense, "--solver lbfgs minimises the convex linear models"},
      {"lbfgs of the hinge",
       [](TrainConfig& c) {
         c.solver = Solver::kLbfgs;
         c.model.name = "svm";
         c.model.output = "hinge";
       },
       Data::kDense, "--solver lbfgs needs a smooth loss"},
      {"exact of softmax", [](TrainConfig& c) { c.solver = Solver::kExact; }, Data::kDense,
       "--solver exact is the closed form of --model linreg, not of softmax"},
      {"exact on sparse data",
       [](TrainConfig& c) {
         c.model.name = "linreg";
         c.solver = Solver::kExact;
       },
       Data::kSparse, "train.h5: sparse (CSR) data: --solver exact solves dense data"},
      {"resume of lbfgs",
       [](TrainConfig& c) {
         c.solver = Solver::kLbfgs;
         c.resume = "ckpt";
       },
       Data::kDense, "--resume continues a run of steps; --solver lbfgs fits from the start"},
      // The data's kind.
      {"sparse exchange on dense data",
       [](TrainConfig& c) { c.sparse_exchange = SparseExchange::kDense; }, Data::kDense,
       "--sparse-exchange applies to sparse (CSR) data; train.h5 is dense"},
      {"sparse exchange on sparse data",
       [](TrainConfig& c) { c.sparse_exchange = SparseExchange::kDense; }, Data::kSparse, ""},
      // Early stop.
      {"early stop without validation", [](TrainConfig& c) { c.early_stop = 2; }, Data::kDense,
       "--early-stop: needs --validation (the rows it watches)"},
      {"early stop",
       [](TrainConfig& c) {
         c.early_stop = 2;
         c.validation = 0.1;
       },
       Data::kDense, ""},
      {"early stop resumed",
       [](TrainConfig& c) {
         c.early_stop = 2;
         c.validation = 0.1;
         c.resume = "ckpt";
       },
       Data::kDense, "--early-stop watches the validation loss from the run's first epoch"},
      {"early stop in ps mode",
       [](TrainConfig& c) {
         c.early_stop = 2;
         c.validation = 0.1;
         c.mode = Mode::kPs;
       },
       Data::kDense, "--early-stop: applies to --mode allreduce only; this run has --mode ps"},
      {"early stop with gathered steps",
       [](TrainConfig& c) {
         c.early_stop = 2;
         c.validation = 0.1;
       },
       Data::kSparse,
       "--early-stop: applies to steps that sum or push a gradient, not to sparse steps gathered; "
       "this run gathers the sparse steps of train.h5"},
      {"early stop with dense steps on sparse data",
       [](TrainConfig& c) {
         c.early_stop = 2;
         c.validation = 0.1;
         c.sparse_exchange = SparseExchange::kDense;
       },
       Data::kSparse, ""},
      // Compression and checkpoints.
      {"compression with shm allreduce",
       [](TrainConfig& c) {
         c.compression = compress::CompressionSpec::parse("fp16");
         c.allreduce = allreduce::AllreduceKind::kSharedMemory;
       },
       Data::kDense,
       "--compression: sends compressed gradients over MPI: not with --allreduce shm"},
      {"compression with shm ps transport",
       [](TrainConfig& c) {
         c.mode = Mode::kPs;
         c.compression = compress::CompressionSpec::parse("int8");
         c.ps_transport = ps::PayloadPath::kSharedMemory;
       },
       Data::kDense,
       "--compression: sends compressed pushes over MPI: not with --ps-transport shm"},
      {"powersgd with blocks",
       [](TrainConfig& c) {
         c.mode = Mode::kPs;
         c.compression = compress::CompressionSpec::parse("powersgd:4");
         c.key_layout = ps::KeyLayoutKind::kBlocks;
       },
       Data::kDense, "--compression powersgd:4 needs --key-layout ranges"},
      {"powersgd on sparse data in ps mode",
       [](TrainConfig& c) {
         c.mode = Mode::kPs;
         c.compression = compress::CompressionSpec::parse("powersgd:4");
       },
       Data::kSparse, "needs --key-layout ranges"},
      {"powersgd in allreduce mode",
       [](TrainConfig& c) { c.compression = compress::CompressionSpec::parse("powersgd:4"); },
       Data::kDense, ""},
      {"checkpoint every without a folder", [](TrainConfig& c) { c.checkpoint_every = "1epoch"; },
       Data::kDense, "--checkpoint-every needs --checkpoint-dir"},
      {"checkpoint every badly written",
       [](TrainConfig& c) {
         c.checkpoint_every = "often";
         c.checkpoint_dir = "ckpt";
       },
       Data::kDense, "--checkpoint-every"},
      // --data-memory: what a streamed shard cannot do.
      {"data memory on sparse data", [](TrainConfig& c) { c.data_memory = kStreams; },
       Data::kSparse, "--data-memory streams dense data only; train.h5 is sparse (CSR)"},
      {"data memory", [](TrainConfig& c) { c.data_memory = kStreams; }, Data::kDense, ""},
      {"data memory large enough",
       [](TrainConfig& c) {
         c.data_memory = 1 << 30;
         c.validation = 0.1;
         c.batch_order = data::BatchOrder::kGlobal;
       },
       Data::kDense, ""},
      {"data memory with validation",
       [](TrainConfig& c) {
         c.data_memory = kStreams;
         c.validation = 0.1;
       },
       Data::kDense, "--validation holds rows out of a shard in memory; --data-memory streams"},
      {"data memory of generated data", [](TrainConfig& c) { c.data_memory = kStreams; },
       Data::kGenerated, "is generated in memory, each worker's rows at once"},
      {"data memory in global order",
       [](TrainConfig& c) {
         c.data_memory = kStreams;
         c.batch_order = data::BatchOrder::kGlobal;
       },
       Data::kDense, "--data-memory streams the training data in --batch-order local only"},
      {"data memory with lbfgs",
       [](TrainConfig& c) {
         c.data_memory = kStreams;
         c.solver = Solver::kLbfgs;
       },
       Data::kDense, "--solver lbfgs reads every row at once; --data-memory streams them"},
      // 200000 bytes hold 1000 rows (4 workers) but not 4000 (ps: 1 worker and 1 server).
      {"data memory fits the shards",
       [](TrainConfig& c) {
         c.data_memory = 200000;
         c.validation = 0.1;
       },
       Data::kDense, ""},
      {"data memory streams the one ps worker's shard",
       [](TrainConfig& c) {
         c.mode = Mode::kPs;
         c.data_memory = 200000;
         c.validation = 0.1;
       },
       Data::kDense,
       "--validation holds rows out",
       {},
       2},
  };
  return table;
}

TEST(OptionRules, EachRunOfTheTable) {
  for (const auto& c : cases()) {
    TrainConfig config;
    config.train_path = "train.h5";
    c.change(config);
    std::string what;
    try {
      check_options(config, info_of(c.data), {c.world_size, c.single_node}, c.given);
    } catch (const Error& e) {
      what = e.what();
    }
    if (c.error.empty())
      EXPECT_EQ(what, "") << c.name;
    else
      EXPECT_NE(what.find(c.error), std::string::npos)
          << c.name << ": expected '" << c.error << "', got '" << what << "'";
  }
}

// The command line checks before any data is read: the rules on the data wait for train().
TEST(OptionRules, WithoutDataOnlyTheOptionsAmongThemselves) {
  TrainConfig config;
  config.sparse_exchange = SparseExchange::kDense;
  config.data_memory = kStreams;
  EXPECT_NO_THROW(check_options(config));
  config.checkpoint_every = "1epoch";  // --run-dir may give the folder after the command line
  EXPECT_NO_THROW(check_options(config));
  config.servers = 2;
  EXPECT_THROW(check_options(config), Error);
}

TEST(OptionRules, TheJsonHoldsTheTable) {
  const auto doc = nlohmann::json::parse(option_rules_json());
  ASSERT_EQ(doc["options"].size(), option_rules().size());
  std::map<std::string, nlohmann::json> rows;
  for (const auto& row : doc["options"]) rows[row["option"]] = row["applies_when"];
  const auto& servers = rows.at("servers")[0];
  EXPECT_EQ(servers["on"], "mode");
  EXPECT_EQ(servers["values"], nlohmann::json::array({"ps"}));
  EXPECT_EQ(servers["default"], "allreduce");
  EXPECT_EQ(servers["reason"], "applies to --mode ps only");
  EXPECT_EQ(rows.at("momentum")[1]["reason"], "applies to --optimizer momentum or nesterov only");
  EXPECT_EQ(rows.at("eps")[1]["reason"],
            "applies to --optimizer adagrad, rmsprop, adam or adamw only");
  // What the data decides has no default: psml experiment leaves it to psml train.
  EXPECT_FALSE(rows.at("sparse-exchange")[2].contains("default"));
  EXPECT_FALSE(rows.at("bucket-mb")[4].contains("default"));
  EXPECT_EQ(rows.at("bucket-mb")[4]["on"], "steps");
}

// The table walked: for each rule and each of its conditions, a run that meets every other
// condition but not that one, with the option given, is refused naming the option and the
// condition; the run that meets them all is accepted. `on` takes a value by its long name, as
// the command line would give it.
void set_value(TrainConfig& c, data::DatasetInfo& data, RankLayout& ranks, std::string_view on,
               std::string_view value) {
  const std::string v(value);
  if (on == "mode") c.mode = v == "ps" ? Mode::kPs : Mode::kAllreduce;
  if (on == "solver")
    c.solver = v == "sgd" ? Solver::kSgd : v == "exact" ? Solver::kExact : Solver::kLbfgs;
  if (on == "model") c.model.name = v;
  if (on == "optimizer") c.optimizer.name = v;
  if (on == "lr-schedule") c.optimizer.schedule.kind = optim::schedule_kinds().at(v);
  if (on == "allreduce")
    c.allreduce = v == "shm"   ? allreduce::AllreduceKind::kSharedMemory
                  : v == "mpi" ? allreduce::AllreduceKind::kMpi
                               : allreduce::AllreduceKind::kAuto;
  if (on == "compression") c.compression = compress::CompressionSpec::parse(v);
  if (on == "data") data = info_of(v == "sparse" ? Data::kSparse : Data::kDense);
  if (on == "sum") ranks.single_node = v == "shm";  // --allreduce auto on 4 ranks
  if (on == "steps") {
    data = info_of(v == "gathered" ? Data::kSparse : Data::kDense);
    if (v == "gathered") c.sparse_exchange = SparseExchange::kSparse;
  }
}

// Conditions on what the data and the ranks decide: train() checks them, the command line cannot.
bool decided_by_the_run(const Condition& condition) {
  return condition.on == "data" || condition.on == "steps" || condition.on == "sum";
}

// Every value a condition's option can take (the first few of a free-form one).
std::vector<std::string> domain(std::string_view on) {
  if (on == "mode") return {"allreduce", "ps"};
  if (on == "solver") return {"sgd", "exact", "lbfgs"};
  if (on == "model") return models::model_names();
  if (on == "optimizer") return optim::optimizer_names();
  if (on == "lr-schedule") return {"constant", "step", "exponential", "cosine"};
  if (on == "allreduce") return {"auto", "shm", "mpi"};
  if (on == "compression") return {"none", "fp16", "topk:0.1"};
  if (on == "data") return {"dense", "sparse"};
  if (on == "steps") return {"summed", "gathered"};
  if (on == "sum") return {"mpi", "shm"};
  return {};
}

// A run where condition `unmet` of `rule` (none: -1) takes a value outside its list and every
// other takes its first value; the solvers' own needs met (exact: linreg; lbfgs: a linear model).
struct Run {
  TrainConfig config;
  data::DatasetInfo data;
  RankLayout ranks{4};
};

Run run_for(const OptionRule& rule, int unmet) {
  Run run;
  auto& c = run.config;
  c.train_path = "train.h5";
  run.data = info_of(Data::kDense);
  for (int i = 0; i < static_cast<int>(rule.applies_when.size()); ++i) {
    const auto& condition = rule.applies_when[static_cast<std::size_t>(i)];
    std::string value(condition.values.front());
    if (i == unmet)
      for (const auto& v : domain(condition.on))
        if (std::find(condition.values.begin(), condition.values.end(), v) ==
            condition.values.end()) {
          value = v;
          break;
        }
    set_value(c, run.data, run.ranks, condition.on, value);
  }
  if (c.solver == Solver::kExact) c.model.name = "linreg";
  if (c.solver == Solver::kLbfgs && !models::is_linear_model(c.model.name))
    c.model.name = "softmax";
  return run;
}

TEST(OptionRules, EachRuleRefusesItsOptionWhereAConditionIsUnmet) {
  for (const auto& rule : option_rules()) {
    const std::vector<std::string> given{std::string(rule.option)};
    for (int i = 0; i < static_cast<int>(rule.applies_when.size()); ++i) {
      const auto& condition = rule.applies_when[static_cast<std::size_t>(i)];
      ASSERT_FALSE(domain(condition.on).empty()) << rule.option << " on " << condition.on;
      const auto [config, data, ranks] = run_for(rule, i);
      std::string what;
      try {
        check_options(config, data, ranks, given);
      } catch (const Error& e) {
        what = e.what();
      }
      const std::string where = std::string(rule.option) + " unmet on " + std::string(condition.on);
      // The option named, or one its other conditions set (--lr-schedule step for --lr-gamma:
      // read by sgd only too, refused first).
      bool named_option = what.rfind("--" + std::string(rule.option) + ":", 0) == 0 ||
                          what.rfind("--" + std::string(rule.option) + " ", 0) == 0;
      for (const auto& other : rule.applies_when)
        named_option = named_option || what.rfind("--" + std::string(other.on) + ":", 0) == 0;
      EXPECT_TRUE(named_option) << where << ": " << what;
      const std::string named = condition.on == "data"    ? "train.h5 is"
                                : condition.on == "steps" ? "gathers the sparse steps"
                                : condition.on == "sum"
                                    ? "sum in shared memory"
                                    : "this run has --" + std::string(condition.on);
      EXPECT_NE(what.find(named), std::string::npos) << where << ": " << what;
      // The command line, which has no data, refuses the same run where the data has no say.
      if (!decided_by_the_run(condition)) {
        EXPECT_THROW(check_options(config, given), Error) << where;
      }
    }
    const auto [config, data, ranks] = run_for(rule, -1);
    EXPECT_NO_THROW(check_options(config, data, ranks, given))
        << rule.option << " where it applies";
  }
}

// Every option a rule names but the run record's (the command line's given list decides those)
// has a value, and so has every option a condition is on.
TEST(OptionRules, EveryOptionOfTheTableHasAValue) {
  const TrainConfig defaults;
  for (const auto& rule : option_rules()) {
    if (rule.option != "log-every") {
      EXPECT_NO_THROW(option_value(defaults, rule.option));
    }
    for (const auto& condition : rule.applies_when)
      if (!decided_by_the_run(condition)) {
        EXPECT_NO_THROW(option_value(defaults, condition.on)) << rule.option;
      }
  }
}

// The cases, as a user meets them.
TEST(OptionRules, TheWordingOfARefusal) {
  const auto refusal = [](const std::function<void(TrainConfig&)>& change,
                          const std::vector<std::string>& given) {
    TrainConfig c;
    change(c);
    try {
      check_options(c, given);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(refusal([](TrainConfig& c) { c.model.hidden = {64}; }, {"hidden"}),
            "--hidden: applies to --model mlp only; this run has --model softmax");
  EXPECT_EQ(refusal([](TrainConfig&) {}, {"momentum"}),
            "--momentum: applies to --optimizer momentum or nesterov only; this run has "
            "--optimizer sgd");
  EXPECT_EQ(refusal([](TrainConfig& c) { c.model.activation = "tanh"; }, {}),
            "--activation: applies to --model mlp only; this run has --model softmax");
  EXPECT_EQ(refusal([](TrainConfig& c) { c.optimizer.schedule.gamma = 0.5f; }, {}),
            "--lr-gamma: applies to --lr-schedule step or exponential only; this run has "
            "--lr-schedule constant");
  EXPECT_EQ(refusal([](TrainConfig&) {}, {"gamma"}),
            "--gamma: applies to --model rff-svm only; this run has --model softmax");
  EXPECT_EQ(refusal([](TrainConfig& c) { c.solver = Solver::kLbfgs; }, {"lr"}),
            "--lr: applies to --solver sgd only; this run has --solver lbfgs");
  EXPECT_EQ(refusal(
                [](TrainConfig& c) {
                  c.allreduce = allreduce::AllreduceKind::kMpi;
                  c.compression = compress::CompressionSpec::parse("int8");
                },
                {"bucket-mb"}),
            "--bucket-mb: applies to --compression none only; this run has --compression int8");
}

}  // namespace
}  // namespace psml::train
