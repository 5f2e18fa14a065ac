// Which options of psml train go together (train/option_rules.hpp): one table of runs, each with
// the error it must raise (or none), against dense and sparse training data.
#include "psml/train/option_rules.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "psml/core/error.hpp"

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
       Data::kDense, "--early-stop keeps the best epoch's parameters on the workers: --mode"},
      {"early stop with gathered steps",
       [](TrainConfig& c) {
         c.early_stop = 2;
         c.validation = 0.1;
       },
       Data::kSparse, "not with sparse steps gathered"},
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
      check_options(config, info_of(c.data), c.world_size, c.given);
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

TEST(OptionRules, EveryConditionNamesAnOptionWithAValue) {
  const TrainConfig defaults;
  for (const auto& rule : option_rules()) {
    EXPECT_NO_THROW(option_value(defaults, rule.option)) << rule.option;
    for (const auto& condition : rule.applies_when)
      if (condition.on != "data") {
        EXPECT_NO_THROW(option_value(defaults, condition.on)) << rule.option;
      }
  }
}

TEST(OptionRules, TheJsonHoldsTheTable) {
  const auto doc = nlohmann::json::parse(option_rules_json());
  ASSERT_EQ(doc["options"].size(), option_rules().size());
  const auto& servers = doc["options"][0];
  EXPECT_EQ(servers["option"], "servers");
  EXPECT_EQ(servers["applies_when"][0]["on"], "mode");
  EXPECT_EQ(servers["applies_when"][0]["values"], nlohmann::json::array({"ps"}));
  EXPECT_EQ(servers["applies_when"][0]["default"], "allreduce");
  bool sparse_exchange = false;
  for (const auto& row : doc["options"])
    if (row["option"] == "sparse-exchange") {
      sparse_exchange = true;
      EXPECT_EQ(row["applies_when"][0]["values"], nlohmann::json::array({"allreduce"}));
    }
  EXPECT_TRUE(sparse_exchange);
}

}  // namespace
}  // namespace psml::train
