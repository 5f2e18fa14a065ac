#include "psml/train/trainer.hpp"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>

#include "psml/allreduce/allreduce_exchange.hpp"
#include "psml/allreduce/sparse_gather_exchange.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/core/memory.hpp"
#include "psml/core/stop_signal.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"
#include "psml/data/batcher.hpp"
#include "psml/data/generated.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/data/streaming_shard.hpp"
#include "psml/data/validation_split.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/optim/lbfgs.hpp"
#include "psml/optim/schedule.hpp"
#include "psml/ps/channel_transport.hpp"
#include "psml/ps/deadlines.hpp"
#include "psml/ps/ps_exchange.hpp"
#include "psml/ps/server.hpp"
#include "psml/stats/ridge.hpp"
#include "psml/train/charged_learner.hpp"
#include "psml/train/dense_learner.hpp"
#include "psml/train/full_batch.hpp"
#include "psml/train/sparse_learner.hpp"
#include "psml/train/trace_file.hpp"

namespace psml::train {
namespace {

// "812.3 MB": a file's size, for people.
std::string describe_size(const std::string& path) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec) return "size unknown";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

std::string format_seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", seconds);
  return text;
}

exchange::EpochCounters reduce_counters(const exchange::EpochCounters& local,
                                        const comm::Communicator& workers) {
  std::vector<double> sums;
  for (const auto field : exchange::EpochCounters::kSums) sums.push_back(local.*field);
  sums.insert(sums.end(), local.staleness.begin(), local.staleness.end());
  workers.allreduce(std::span<double>(sums));
  exchange::EpochCounters out;
  std::size_t i = 0;
  for (const auto field : exchange::EpochCounters::kSums) out.*field = sums[i++];
  std::copy(sums.begin() + static_cast<std::ptrdiff_t>(i), sums.end(), out.staleness.begin());
  out.max_clock_gap = workers.allreduce(local.max_clock_gap, comm::ReduceOp::kMax);
  return out;
}

data::RowRange worker_rows(const data::DatasetInfo& info, const comm::Communicator& workers) {
  if (info.rows < workers.size())
    throw error(info.path, ": has ", info.rows, " rows, fewer than the ", workers.size(),
                " workers");
  return data::balanced_range(info.rows, workers.size(), workers.rank());
}

// --key-layout, or what suits the data: blocks spread sparse data's popular keys over the servers.
ps::KeyLayoutKind key_layout(const TrainConfig& config, const data::DatasetInfo& info) {
  if (config.key_layout) return *config.key_layout;
  return info.sparse ? ps::KeyLayoutKind::kBlocks : ps::KeyLayoutKind::kRanges;
}

// "mlp 256,128, ps bsp 1+2, 3 ranks": a run's name in plots.
std::string label_of(const TrainConfig& config, const ps::Roles& roles, int ranks) {
  std::string label = config.model.name;
  if (config.model.name == "mlp") {
    label += " ";
    for (std::size_t i = 0; i < config.model.hidden.size(); ++i) {
      if (i > 0) label += ",";
      label += std::to_string(config.model.hidden[i]);
    }
  }
  label += ", " + to_string(config.mode);
  if (config.mode == Mode::kPs)
    label += " " + config.consistency.describe() + " " + std::to_string(roles.servers) + "+" +
             std::to_string(roles.workers);
  return label + ", " + count_of(ranks, "rank");
}

std::string describe_exchange(const TrainConfig& config, const ps::Roles& roles,
                              const data::DatasetInfo& info, const exchange::Exchange& exchange) {
  if (config.mode != Mode::kPs) return exchange.describe();
  return "ps: " + count_of(roles.servers, "server") + " + " + count_of(roles.workers, "worker") +
         ", " + config.consistency.describe() + ", keys in " + to_string(key_layout(config, info));
}

EpochMetrics summarize_epoch(const TrainConfig& config, std::int64_t epoch, double seconds,
                             const exchange::EpochCounters& local,
                             const comm::Communicator& workers) {
  EpochMetrics m;
  m.seconds = seconds;
  m.epoch = epoch + 1;
  m.epochs = config.epochs;
  m.parameter_server = config.mode == Mode::kPs;
  m.workers = workers.size();
  m.counters = reduce_counters(local, workers);
  m.train_loss = m.counters.loss_sum / m.counters.rows;
  m.samples_per_second = m.counters.rows / m.seconds;
  return m;
}

// What a worker trains with: its shards, validated, in a learner, and the exchange built for it.
struct WorkerSetup {
  data::DatasetInfo info;  // of the training data
  data::RowRange rows;     // this worker's rows of it
  std::int64_t num_classes = 0;
  std::unique_ptr<Learner> learner;
  DenseLearner* dense = nullptr;  // the learner, on dense data (the closed form needs its shard)
  SparseLearner* sparse = nullptr;  // the learner, on sparse data
  bool gather = false;  // allreduce mode on sparse data: steps gather their keys and values
  std::unique_ptr<ps::SharedPayloads> shared;  // ps: payloads through shared memory, or null
  std::unique_ptr<exchange::Exchange> exchange;
};

// ps: the shared-memory payloads of --ps-transport (null: over MPI). Collective over `world`,
// where the servers, which have no model, give `num_keys` 0.
std::unique_ptr<ps::SharedPayloads> shared_payloads(const TrainConfig& config,
                                                    const comm::Communicator& world,
                                                    const ps::Roles& roles, std::int64_t num_keys,
                                                    const data::DatasetInfo& info) {
  num_keys = world.allreduce(num_keys, comm::ReduceOp::kMax);
  // Compressed pushes are for links slower than memory: they go over MPI.
  const bool compressed = config.compression.kind != compress::CompressionSpec::Kind::kNone;
  return ps::SharedPayloads::make(compressed ? ps::PayloadPath::kMpi : config.ps_transport, world,
                                  roles, num_keys, info.sparse, key_layout(config, info));
}

// ps with --compression powersgd: the model's weight matrices, which the servers (with no model)
// need to decode the pushes, from world rank 0 (a worker) to every rank. Collective over `world`
// (nothing to do for other codecs); `local`: this rank's learner's (servers: none).
std::vector<MatrixBlock> agreed_matrices(const TrainConfig& config, const comm::Communicator& world,
                                         const data::DatasetInfo& info,
                                         std::vector<MatrixBlock> local) {
  if (config.compression.kind != compress::CompressionSpec::Kind::kPowerSgd) return {};
  comm::run_agreed(world, [&] {
    if (key_layout(config, info) != ps::KeyLayoutKind::kRanges)
      throw error("--compression ", config.compression.describe(),
                  " needs --key-layout ranges (a server factors the whole rows of the weight "
                  "matrices it holds)");
  });
  std::int64_t count = static_cast<std::int64_t>(local.size());
  world.broadcast(std::span<std::int64_t>(&count, 1), 0);
  std::vector<std::int64_t> flat(3 * static_cast<std::size_t>(count));
  if (world.rank() == 0)
    for (std::size_t i = 0; i < local.size(); ++i) {
      flat[3 * i] = static_cast<std::int64_t>(local[i].offset);
      flat[3 * i + 1] = local[i].rows;
      flat[3 * i + 2] = local[i].cols;
    }
  world.broadcast(std::span<std::int64_t>(flat), 0);
  std::vector<MatrixBlock> matrices;
  for (std::size_t i = 0; i < flat.size(); i += 3)
    matrices.push_back({static_cast<std::size_t>(flat[i]), flat[i + 1], flat[i + 2]});
  return matrices;
}

// The set-up phases. Every rank of `world` runs the same agreed phases: three that load the data
// (read the shard, hold out the validation rows, read the test set and build the model: workers
// work, servers only agree), then the resume phase (workers check the checkpoint, servers load
// their ranges), so a bad file ends every rank cleanly, servers included. A phase never holds a
// collective of its own that a failed rank could miss.
constexpr int kSetupPhases = 3;

// The classes of a classification file: its num_classes attribute, else the largest class id any
// worker holds + 1 (`max_class`: this worker's). Collective over the workers; 0 for regression.
std::int64_t num_classes_of(const data::DatasetInfo& info, std::int64_t max_class,
                            const comm::Communicator& workers) {
  if (info.task != data::Task::kClassification || info.num_classes > 0) return info.num_classes;
  return workers.allreduce(max_class + 1, comm::ReduceOp::kMax);
}

// --validation: this worker's held-out rows moved out of `train` (data/validation_split.hpp),
// and the run's training rows numbered again. Its own agreed phase: the split gathers every
// worker's counts, which a worker whose shard failed to load would never send.
template <class AnyShard>
AnyShard hold_out_validation(AnyShard& train, WorkerSetup& s, const TrainConfig& config,
                             const comm::Communicator& world, const comm::Communicator& workers) {
  AnyShard validation;
  comm::run_agreed(world, [&] {
    if (config.validation <= 0 || train.info.path.empty()) return;  // none, or streamed
    validation = data::split_validation(train, config.validation, config.seed, workers);
    s.rows = train.rows;
    s.info.rows = train.info.rows;
  });
  return validation;
}

void check_test_set(const TrainConfig& config, const data::DatasetInfo& test,
                    const data::DatasetInfo& train) {
  if (test.sparse != train.sparse)
    throw error(config.test_path, ": is ", test.sparse ? "sparse (CSR)" : "dense",
                "; the training data is ", train.sparse ? "sparse (CSR)" : "dense");
  if (test.features != train.features)
    throw error(config.test_path, ": has ", test.features, " features, the training data ",
                config.train_path, " has ", train.features);
  if (test.task != train.task)
    throw error(config.test_path, ": is a ", to_string(test.task), " set, the training data is ",
                to_string(train.task));
}

void setup_dense(WorkerSetup& s, const TrainConfig& config, const comm::Communicator& world,
                 const comm::Communicator& workers) {
  data::Shard train, test, validation;
  std::unique_ptr<data::StreamingShard> stream;
  std::int64_t max_class = 0;
  comm::run_agreed(world, [&] {
    const auto rows = s.rows = worker_rows(s.info, workers);
    const bool streamed = config.data_memory > 0 &&
                          rows.count * data::StreamingShard::row_bytes(s.info) > config.data_memory;
    if (!streamed) {
      train = data::read_shard(s.info, rows);
      if (train.classes.size()) max_class = train.classes.maxCoeff();
      return;
    }
    if (config.validation > 0)
      throw error("--validation holds rows out of a shard in memory; --data-memory streams ",
                  s.info.path);
    if (data::parse_generated(s.info.path))
      throw error("--data-memory streams a file's rows; ", s.info.path,
                  " is generated in memory, each worker's rows at once");
    if (config.batch_order != data::BatchOrder::kLocal)
      throw error("--data-memory streams the training data in --batch-order local only");
    if (config.solver != Solver::kSgd)
      throw error("--solver ", to_string(config.solver),
                  " reads every row at once; --data-memory streams them");
    const data::Batcher steps(s.info.rows, rows, config.global_batch, config.seed,
                              config.batch_order, workers.rank());
    stream = std::make_unique<data::StreamingShard>(
        s.info, rows, config.data_memory, steps.max_local_rows(),
        data::Batcher::local_seed(config.seed, workers.rank()));
    if (s.info.task == data::Task::kClassification && s.info.num_classes == 0) {
      const auto h5 = h5::library_lock();  // the stream's thread reads its first window
      max_class = data::max_class_id(s.info, rows);
    }
  });
  validation = hold_out_validation(train, s, config, world, workers);
  s.num_classes = num_classes_of(s.info, max_class, workers);
  comm::run_agreed(world, [&] {
    // A streamed shard's thread may be reading its first window: HDF5 is not thread-safe.
    const auto h5 = h5::library_lock();
    if (!config.test_path.empty()) {
      auto info = data::describe_dataset(config.test_path);
      check_test_set(config, info, s.info);
      info.num_classes = s.num_classes;  // test ids must be classes the model knows
      test = data::read_shard(info, worker_rows(info, workers));
    }
    auto model = models::make_model<float>(config.model, s.info.features, s.info.task,
                                           s.num_classes, config.seed);
    if (config.solver == Solver::kExact && config.model.name != "linreg")
      throw error("--solver exact is the closed form of --model linreg, not of ",
                  config.model.name);
    auto learner =
        std::make_unique<DenseLearner>(std::move(model), std::move(train), std::move(test),
                                       !config.test_path.empty(), std::move(stream));
    if (config.validation > 0) learner->set_validation(std::move(validation));
    s.dense = learner.get();
    s.learner = std::move(learner);
  });
}

// Allreduce mode on sparse data: whether steps gather their keys and values rather than sum a
// dense gradient (SparseExchange; the bytes compared in allreduce/sparse_gather_exchange.hpp).
bool gathers_sparse_steps(const TrainConfig& config, const data::DatasetInfo& info) {
  if (config.mode != Mode::kAllreduce || !info.sparse || config.solver != Solver::kSgd)
    return false;
  if (config.sparse_exchange != SparseExchange::kAuto)
    return config.sparse_exchange == SparseExchange::kSparse;
  const double per_row =
      info.rows > 0 ? static_cast<double>(info.nnz) / static_cast<double>(info.rows) : 0.0;
  return 1.5 * static_cast<double>(config.global_batch) * per_row <
         static_cast<double>(info.features);
}

void setup_sparse(WorkerSetup& s, const TrainConfig& config, const comm::Communicator& world,
                  const comm::Communicator& workers) {
  data::SparseShard train, test, validation;
  std::int64_t max_class = 0;
  comm::run_agreed(world, [&] {
    if (config.data_memory > 0)
      throw error("--data-memory streams dense data only; ", config.train_path,
                  " is sparse (CSR), whose shard is read whole");
    train = data::read_sparse_shard(s.info, worker_rows(s.info, workers));
    if (train.classes.size()) max_class = train.classes.maxCoeff();
  });
  s.rows = train.rows;
  validation = hold_out_validation(train, s, config, world, workers);
  s.num_classes = num_classes_of(s.info, max_class, workers);
  comm::run_agreed(world, [&] {
    if (!config.test_path.empty()) {
      auto info = data::describe_dataset(config.test_path);
      check_test_set(config, info, s.info);
      info.num_classes = s.num_classes;  // test ids must be classes the model knows
      test = data::read_sparse_shard(info, worker_rows(info, workers));
    }
    auto model =
        models::make_sparse_model<float>(config.model, s.info.features, s.info.task, s.num_classes);
    auto learner = std::make_unique<SparseLearner>(std::move(model), std::move(train),
                                                   std::move(test), !config.test_path.empty(),
                                                   config.mode == Mode::kAllreduce && !s.gather);
    if (config.validation > 0) learner->set_validation(std::move(validation));
    s.sparse = learner.get();
    s.learner = std::move(learner);
  });
}

WorkerSetup setup_worker(const TrainConfig& config, const data::DatasetInfo& train_info,
                         const comm::Communicator& world, const comm::Communicator& workers,
                         const ps::Roles& roles) {
  WorkerSetup s;
  s.info = train_info;
  s.gather = gathers_sparse_steps(config, train_info);  // on the whole file, as train() decided
  if (s.info.sparse)
    setup_sparse(s, config, world, workers);
  else
    setup_dense(s, config, world, workers);
  const auto keys = static_cast<std::size_t>(s.learner->num_keys());
  if (config.mode == Mode::kPs) {
    s.shared = shared_payloads(config, world, roles, static_cast<std::int64_t>(keys), s.info);
    const auto matrices = agreed_matrices(config, world, s.info, s.learner->matrices());
    s.exchange = std::make_unique<ps::PsExchange>(
        world, roles, keys, ps::worker_deadline(config.deadline, roles), key_layout(config, s.info),
        s.info.sparse, s.shared.get(), config.compression, matrices);
  } else if (s.gather) {
    s.exchange = std::make_unique<allreduce::SparseGatherExchange>(workers, keys, config.optimizer);
  } else {
    s.exchange = std::make_unique<allreduce::AllreduceExchange>(
        workers, keys, config.optimizer,
        allreduce::GradientSumOptions{
            .kind = config.allreduce,
            .step_check = config.step_check,
            .bucket_floats = static_cast<std::size_t>(config.bucket_mb * 1e6 / sizeof(float)),
            .compression = config.compression,
            .matrices = s.learner->matrices(),
            .seed = config.seed});
  }
  if (config.compute_seconds_per_row > 0)
    s.learner =
        std::make_unique<ChargedLearner>(std::move(s.learner), config.compute_seconds_per_row);
  s.learner->set_gradient_listener(s.exchange->listener());
  return s;
}

void evaluate_into(EpochMetrics& m, std::span<const float> params, WorkerSetup& s,
                   const comm::Communicator& workers) {
  m.regression = s.info.task == data::Task::kRegression;
  if (s.learner->has_validation()) {
    const auto v = s.learner->evaluate_validation(params, *s.exchange, workers);
    // --early-stop decides on these figures on every worker: worker 0's bits everywhere (an
    // allreduce's rounding may differ between ranks).
    double sums[3] = {v.loss, v.correct, v.rows};
    workers.broadcast(std::span<double>(sums), 0);
    m.has_validation = true;
    m.validation_loss = sums[0] / sums[2];
    m.validation_accuracy = sums[1] / sums[2];
    m.validation_rmse = std::sqrt(2 * sums[0] / sums[2]);
  }
  if (!s.learner->has_test()) return;
  const auto sums = s.learner->evaluate_test(params, *s.exchange, workers);
  m.has_test = true;
  m.test_loss = sums.loss / sums.rows;
  m.test_accuracy = sums.correct / sums.rows;
  m.test_rmse = std::sqrt(2 * sums.loss / sums.rows);  // the loss is ½ Σ r²
}

checkpoint::Metadata describe_run(const TrainConfig& config, const WorkerSetup& s,
                                  const comm::Communicator& world, const ps::Roles& roles) {
  checkpoint::Metadata m;
  m.model = config.model.describe();
  m.features = s.info.features;
  m.num_classes = s.num_classes;
  m.task = to_string(s.info.task);
  m.optimizer = config.optimizer.name;
  m.config = config.settings_toml.empty() ? config.describe() : config.settings_toml;
  m.seed = config.seed;
  m.mode = to_string(config.mode);
  m.world_size = world.size();
  m.workers = roles.workers;
  m.servers = roles.servers;
  m.num_params = s.learner->num_keys();
  return m;
}

// A checkpoint must hold the model this run trains: same spec, data shape and optimizer.
void check_compatible(const std::string& path, const checkpoint::Metadata& saved,
                      const checkpoint::Metadata& run) {
  if (saved.model != run.model || saved.features != run.features ||
      saved.num_classes != run.num_classes || saved.num_params != run.num_params)
    throw error(path, ": holds model '", saved.model, "' (", saved.features, " features, ",
                saved.num_classes, " classes, ", saved.num_params,
                " parameters), this run trains '", run.model, "' (", run.features, " features, ",
                run.num_classes, " classes, ", run.num_params, " parameters)");
  if (saved.optimizer != run.optimizer)
    throw error(path, ": was trained with --optimizer ", saved.optimizer, ", this run uses ",
                run.optimizer);
}

// The signal that stopped the run: this rank's, else the workers' (a server's signal reached the
// workers only as a hint), else SIGTERM.
int agreed_signal(const comm::Communicator& workers, const TrainCallbacks& callbacks) {
  const int own = callbacks.stop_signal ? callbacks.stop_signal() : 0;
  const int any = workers.allreduce(own, comm::ReduceOp::kMax);
  return own ? own : any ? any : SIGTERM;
}

[[noreturn]] void throw_stopped(const std::string& where, const std::string& outcome,
                                const comm::Communicator& world, const comm::Communicator& workers,
                                const TrainCallbacks& callbacks) {
  const int signal = agreed_signal(workers, callbacks);
  throw Stopped(detail::concat("stopped by ", signal_name(signal), " at ", where, "; ", outcome),
                world.rank() == 0, signal);
}

// The closed form of ridge regression (--solver exact): no steps, one epoch line.
void solve_exact(const TrainConfig& config, WorkerSetup& s, const comm::Communicator& workers,
                 TrainResult& result, const TrainCallbacks& callbacks) {
  auto& learner = *s.dense;
  const auto start = Clock::now();
  const auto theta = stats::solve_ridge(learner.train(), config.optimizer.reg.l2, workers);
  result.params.assign(theta.begin(), theta.end());
  EpochMetrics m;
  m.epoch = m.epochs = 1;
  m.seconds = seconds_since(start);
  m.samples_per_second = static_cast<double>(s.info.rows) / m.seconds;
  const auto train_sums = s.learner->evaluate_train(result.params, *s.exchange, workers);
  m.train_loss = train_sums.loss / train_sums.rows;
  evaluate_into(m, result.params, s, workers);
  result.history.push_back(m);
  if (callbacks.on_epoch) callbacks.on_epoch(m);
}

// Full-batch L-BFGS (--solver lbfgs): iterations instead of steps, one epoch line at the end.
void solve_lbfgs(const TrainConfig& config, WorkerSetup& s, const comm::Communicator& workers,
                 TrainResult& result, const TrainCallbacks& callbacks) {
  const auto start = Clock::now();
  const double l2 = config.optimizer.reg.l2;
  FullBatchObjective objective =
      s.dense
          ? FullBatchObjective(models::make_model<double>(config.model, s.info.features,
                                                          s.info.task, s.num_classes, config.seed),
                               s.dense->train(), l2, workers)
          : FullBatchObjective(models::make_sparse_model<double>(config.model, s.info.features,
                                                                 s.info.task, s.num_classes),
                               s.sparse->train(), l2, workers);
  // From θ = 0, as scikit-learn starts (the objective is convex: the start decides only the time).
  std::vector<double> theta(objective.num_params(), 0.0);
  auto options = config.lbfgs;
  options.l1 = config.optimizer.reg.l1;
  const auto note = [&](const std::string& text) {
    if (workers.rank() == 0 && callbacks.on_note) callbacks.on_note(text);
  };
  note(detail::concat("lbfgs ", std::string(4, ' '), "iter", std::string(9, ' '), "objective",
                      std::string(6, ' '), "|gradient|", std::string(6, ' '), "step  evals",
                      std::string(6, ' '), "s"));
  const auto r = optim::minimize_lbfgs(
      [&](std::span<const double> x, std::span<double> g) { return objective(x, g); }, theta,
      options, objective.weight_mask(),
      [&](const optim::LbfgsIteration& it) {
        char line[160];
        std::snprintf(line, sizeof line, "lbfgs %8d %18.10g %16.6g %10.4g %6d %7.2f", it.iteration,
                      it.objective, it.gradient_norm, it.step, it.evaluations,
                      seconds_since(start));
        note(line);
      });
  note(detail::concat("lbfgs: ", r.converged ? "converged" : "stopped", " after ", r.iterations,
                      " iterations (", r.stopped_because, "), ", r.evaluations,
                      " evaluations of the loss and gradient"));
  result.params.assign(theta.begin(), theta.end());
  EpochMetrics m;
  m.epoch = m.epochs = 1;
  m.seconds = seconds_since(start);
  m.steps = r.iterations;
  m.samples_per_second = static_cast<double>(s.info.rows) * objective.evaluations() / m.seconds;
  const auto train_sums = s.learner->evaluate_train(result.params, *s.exchange, workers);
  m.train_loss = train_sums.loss / train_sums.rows;
  evaluate_into(m, result.params, s, workers);
  result.history.push_back(m);
  if (callbacks.on_epoch) callbacks.on_epoch(m);
}

TrainResult run_worker(const TrainConfig& config, const data::DatasetInfo& train_info,
                       const comm::Communicator& world, const comm::Communicator& workers,
                       const ps::Roles& roles, const std::string& resume_path,
                       const TrainCallbacks& callbacks) {
  WorkerSetup s = setup_worker(config, train_info, world, workers, roles);
  auto& learner = *s.learner;
  const bool sparse = learner.sparse();
  TrainResult result;
  // Dense: this worker holds all P keys. Sparse: only the values of a step's keys.
  if (!sparse) {
    result.params.resize(static_cast<std::size_t>(learner.num_keys()));
    learner.init_params(result.params, config.seed);
  }
  data::Batcher batcher(s.info.rows, s.rows, config.global_batch, config.seed, config.batch_order,
                        workers.rank());
  if (s.dense != nullptr && s.dense->stream() != nullptr)
    batcher.set_window_order(s.dense->stream()->order());
  const bool exact = config.solver == Solver::kExact;
  const bool lbfgs = config.solver == Solver::kLbfgs;
  const bool full_batch = exact || lbfgs;  // no steps: one epoch line
  const auto announce = [&](std::int64_t first_epoch, std::int64_t first_step) {
    if (!callbacks.on_start) return;
    RunHeader h;
    h.label = label_of(config, roles, world.size());
    h.model = config.model.describe() + (s.info.sparse ? " on CSR rows" : "");
    h.data = config.train_path;
    h.rows = s.info.rows;
    h.features = s.info.features;
    h.classes = s.num_classes;
    h.params = learner.num_keys();
    h.ranks = world.size();
    h.global_batch = config.global_batch;
    h.steps_per_epoch = full_batch ? 0 : batcher.steps_per_epoch();
    h.optimizer =
        exact   ? "closed form (ridge normal equations)"
        : lbfgs ? detail::concat(
                      "full-batch L-BFGS (history ", config.lbfgs.history, ", at most ",
                      config.lbfgs.max_iterations, " iterations, gtol ", config.lbfgs.gtol,
                      config.optimizer.reg.l1 > 0 ? ", OWL-QN for l1 " : "",
                      config.optimizer.reg.l1 > 0 ? std::to_string(config.optimizer.reg.l1) : "",
                      ", l2 ", config.optimizer.reg.l2, " on the weights)")
                : config.optimizer.summary();
    h.exchange = describe_exchange(config, roles, s.info, *s.exchange) +
                 (sparse                         ? ", sparse push/pull"
                  : s.info.sparse && !full_batch ? ", a dense gradient from each step's keys"
                                                 : "") +
                 (s.shared ? ", payloads in shared memory" : "");
    h.mode = to_string(config.mode);
    if (config.mode == Mode::kPs) h.consistency = config.consistency.describe();
    h.workers = roles.workers;
    h.servers = roles.servers;
    h.epochs = full_batch ? 1 : config.epochs;
    h.first_epoch = first_epoch;
    h.first_step = first_step;
    callbacks.on_start(h);
  };

  if (s.dense != nullptr && s.dense->stream() != nullptr && callbacks.on_note &&
      workers.rank() == 0)
    callbacks.on_note(detail::concat("training data ", s.dense->stream()->describe(),
                                     " (--data-memory ", config.data_memory, " bytes per worker)"));
  auto& exchange = *s.exchange;
  auto meta = describe_run(config, s, world, roles);
  std::string last_checkpoint;  // on rank 0
  std::string best_checkpoint;  // --early-stop with --checkpoint-dir: the best epoch's, on rank 0
  const checkpoint::Destination checkpoints{config.checkpoint_dir, config.checkpoint_keep, ""};
  if (full_batch) {
    announce(0, 0);
    if (exact)
      solve_exact(config, s, workers, result, callbacks);
    else
      solve_lbfgs(config, s, workers, result, callbacks);
    meta.epoch = 1;
    if (!config.checkpoint_dir.empty())
      last_checkpoint =
          exchange.save(meta, {checkpoints, callbacks.checkpoint_hook}, result.params);
  } else {
    std::int64_t first_epoch = 0, first_step = 0, global_step = 0;
    // Every rank joins this phase, resuming or not (servers load their ranges in it).
    comm::run_agreed(world, [&] {
      if (resume_path.empty()) return;
      const auto h5 = h5::library_lock();  // a streaming shard's thread reads HDF5 too
      const auto saved = checkpoint::read_metadata(resume_path);
      check_compatible(resume_path, saved, meta);
      exchange.resume(resume_path, saved, result.params);
      first_epoch = saved.epoch;
      first_step = saved.step_in_epoch;
      global_step = saved.global_step;
    });
    announce(first_epoch, first_step);
    if (!resume_path.empty() && first_epoch >= config.epochs) {
      // Nothing to train: the resumed checkpoint is the model.
      last_checkpoint = resume_path;
      if (callbacks.on_note && world.rank() == 0)
        callbacks.on_note(detail::concat("nothing to train: ", resume_path, " is at epoch ",
                                         first_epoch, " and --epochs is ", config.epochs));
    }
    const auto every = checkpoint::Every::parse_or_none(config.checkpoint_every);
    const exchange::CheckpointTarget target{checkpoints, callbacks.checkpoint_hook};
    std::int64_t saved_at = last_checkpoint.empty() ? -1 : global_step;
    const auto save = [&](std::int64_t epochs_done, std::int64_t step_in_epoch) {
      meta.epoch = epochs_done;
      meta.step_in_epoch = step_in_epoch;
      meta.global_step = global_step;
      const auto started = Clock::now();
      const trace::Scope span("checkpoint");
      std::string path;
      {
        const auto h5 = h5::library_lock();  // a streaming shard's thread reads HDF5 too
        path = exchange.save(meta, target, result.params);
      }
      saved_at = global_step;
      last_checkpoint = path;
      if (callbacks.on_note && world.rank() == 0)
        callbacks.on_note(detail::concat("checkpoint ", path, " (", describe_size(path), " in ",
                                         format_seconds(seconds_since(started)), ")"));
    };
    // --early-stop: the best validation loss so far, its epoch's parameters (and checkpoint).
    double best_loss = std::numeric_limits<double>::infinity();
    AlignedVector<float> best_params;
    bool early_stopped = false;
    const exchange::CheckpointTarget best_target{
        {config.checkpoint_dir.empty() ? "" : config.checkpoint_dir + "/best", 1, ""},
        callbacks.checkpoint_hook};
    exchange.start(result.params, config.epochs * batcher.steps_per_epoch());
    const optim::Schedule schedule(config.optimizer.schedule, config.optimizer.lr,
                                   config.epochs * batcher.steps_per_epoch());
    trace::Recorder* const recorder = trace::active();
    learner.reserve(batcher.max_local_rows());
    std::vector<std::int64_t> rows, keys;
    rows.reserve(static_cast<std::size_t>(batcher.max_local_rows()));
    std::vector<float> values, sparse_grad;  // sparse: one per key of the step
    bool stopped = false;
    std::string stopped_at;
    for (std::int64_t epoch = first_epoch; epoch < config.epochs && !stopped; ++epoch) {
      batcher.begin_epoch(epoch);
      learner.begin_epoch(epoch);
      exchange::EpochCounters counters;
      const auto start = Clock::now();
      for (std::int64_t step = epoch == first_epoch ? first_step : 0;
           step < batcher.steps_per_epoch(); ++step) {
        ++global_step;
        if (recorder) recorder->set_step(global_step);
        const trace::Scope step_span("step");
        if (callbacks.on_step) callbacks.on_step(global_step);
        if (callbacks.skip_step && callbacks.skip_step(global_step)) continue;
        batcher.local_rows(step, rows);
        const auto local_rows = learner.select(rows, keys);
        const bool stop_wanted = callbacks.stop_signal && callbacks.stop_signal() != 0;
        const exchange::StepInfo info{epoch, step, global_step, stop_wanted};
        std::span<float> grad;
        if (sparse) {
          values.resize(keys.size());
          sparse_grad.resize(keys.size());
          // The servers may have decided a stop at this clock: every worker stops before the
          // same step, the previous one being the last done.
          if (exchange.fetch(keys, values, &counters)) {
            --global_step;
            stopped = true;
            if (!config.checkpoint_dir.empty()) save(epoch, step);
            stopped_at = detail::concat("epoch ", epoch + 1, " step ", step + 1, " (global step ",
                                        global_step, " done)");
            break;
          }
          grad = sparse_grad;
        } else {
          grad = exchange.gradient();
        }
        if (!sparse) exchange.begin_step(info, local_rows);
        const auto compute_start = Clock::now();
        const double loss = [&] {
          const trace::Scope span("compute");
          return learner.loss_and_gradient(
              sparse ? std::span<const float>(values) : std::span<const float>(result.params),
              grad);
        }();
        if (callbacks.poison_gradient && callbacks.poison_gradient(global_step))
          grad[grad.size() / 2] = std::numeric_limits<float>::quiet_NaN();
        counters.compute_seconds += seconds_since(compute_start);
        counters.loss_sum += loss;
        counters.rows += static_cast<double>(local_rows);
        if (sparse)
          exchange.step_sparse(keys, grad, loss, local_rows, info, counters);
        else
          stopped = exchange.step(result.params, loss, local_rows, info, counters);
        const bool epoch_end = step + 1 == batcher.steps_per_epoch();
        const std::int64_t epochs_done = epoch_end ? epoch + 1 : epoch;
        const std::int64_t in_epoch = epoch_end ? 0 : step + 1;
        if (!config.checkpoint_dir.empty() &&
            (stopped || every.due(global_step, in_epoch, epochs_done)))
          save(epochs_done, in_epoch);
        if (stopped) {
          stopped_at = info.describe();
          break;
        }
        if (callbacks.on_progress && workers.rank() == 0) {
          StepProgress p;
          p.epoch = epoch + 1;
          p.epochs = config.epochs;
          p.step = step + 1;
          p.steps_per_epoch = batcher.steps_per_epoch();
          p.global_step = global_step;
          p.seconds = seconds_since(start);
          p.lr = schedule.lr(global_step);
          p.workers = workers.size();
          p.parameter_server = config.mode == Mode::kPs;
          p.counters = counters;
          callbacks.on_progress(p);
        }
      }
      if (stopped) break;  // every worker stopped after the same step: no epoch summary
      auto m = summarize_epoch(config, epoch, seconds_since(start), counters, workers);
      m.global_step = global_step;
      m.steps = batcher.steps_per_epoch() - (epoch == first_epoch ? first_step : 0);
      m.lr = schedule.lr(global_step);
      {
        const trace::Scope span("evaluate");
        evaluate_into(m, result.params, s, workers);
      }
      result.history.push_back(m);
      if (callbacks.on_epoch) callbacks.on_epoch(m);
      if (config.early_stop > 0 && m.has_validation) {
        if (m.validation_loss < best_loss) {
          best_loss = m.validation_loss;
          result.best_epoch = m.epoch;
          best_params = result.params;
          meta.epoch = epoch + 1;
          meta.step_in_epoch = 0;
          meta.global_step = global_step;
          const auto h5 = h5::library_lock();
          if (!config.checkpoint_dir.empty())
            best_checkpoint = exchange.save(meta, best_target, result.params);
          // The model file is the best epoch's checkpoint: its parameters with its optimizer
          // state and position, as a resumed run needs them.
          if (!config.save_model.empty())
            result.model_file = exchange.save(
                meta, {{"", 0, config.save_model}, callbacks.checkpoint_hook}, result.params);
        } else if (m.epoch - result.best_epoch >= config.early_stop) {
          early_stopped = true;
          if (callbacks.on_note && world.rank() == 0)
            callbacks.on_note(detail::concat(
                "early stop: the validation loss has not improved for ", config.early_stop,
                config.early_stop == 1 ? " epoch" : " epochs", "; keeping epoch ",
                result.best_epoch, " (validation loss ", best_loss, ")",
                config.checkpoint_dir.empty()
                    ? ""
                    : ", its checkpoint in " + config.checkpoint_dir + "/best"));
          break;
        }
      }
    }
    const std::int64_t epochs_run = early_stopped ? result.history.back().epoch : config.epochs;
    if (!stopped && !config.checkpoint_dir.empty() && saved_at != global_step) save(epochs_run, 0);
    // The run's model is the best epoch's: what --save-model writes and the final figures are of.
    if (config.early_stop > 0 && !best_params.empty()) result.params = best_params;
    if (stopped) {
      exchange.finish(stopped);
      throw_stopped(stopped_at,
                    last_checkpoint.empty() ? "no checkpoint written (no --checkpoint-dir)"
                                            : "checkpoint written to " + last_checkpoint,
                    world, workers, callbacks);
    }
    meta.epoch = epochs_run;
    meta.step_in_epoch = 0;
    meta.global_step = global_step;
  }
  // The model file is a checkpoint of the end of the run, in the same format: eval, predict and
  // checkpoint inspect read it, and a run can resume from it.
  // (--early-stop wrote it at the best epoch.)
  if (!config.save_model.empty() && result.best_epoch == 0) {
    const auto h5 = h5::library_lock();  // a streaming shard's thread reads HDF5 too
    result.model_file =
        exchange.save(meta, {{"", 0, config.save_model}, callbacks.checkpoint_hook}, result.params);
  }
  exchange.finish(false);
  // With --early-stop the run's model is the best epoch's: its checkpoint, not the last one.
  const bool kept_best = result.best_epoch > 0 && !best_checkpoint.empty();
  if (result.model_file.empty()) result.model_file = kept_best ? best_checkpoint : last_checkpoint;
  if (callbacks.on_note && world.rank() == 0)
    callbacks.on_note(!config.save_model.empty() ? "model saved to " + result.model_file
                      : kept_best ? "model kept in the best epoch's checkpoint " + best_checkpoint
                      : !last_checkpoint.empty()
                          ? "model kept in the final checkpoint " + last_checkpoint
                          : "the trained model was not kept (--save-model FILE or "
                            "--checkpoint-dir DIR keeps it)");
  return result;
}

}  // namespace

TrainResult train(const TrainConfig& config, const comm::Communicator& launched,
                  const TrainCallbacks& callbacks) {
  // Every collective of the run waits at most --deadline for the other ranks.
  const auto world = launched.with_deadline(config.deadline);
  ps::Roles roles{world.size(), 0};
  data::DatasetInfo train_info;
  comm::run_agreed(world, [&] {
    const auto fp = config.fingerprint();
    if (world.allreduce(fp, comm::ReduceOp::kMin) != world.allreduce(fp, comm::ReduceOp::kMax))
      throw error(
          "the ranks were started with different options (configuration fingerprints "
          "differ): ",
          config.describe());
    if (config.mode == Mode::kPs) {
      roles = ps::make_roles(world.size(), config.servers);
      if (config.solver != Solver::kSgd)
        throw error("--solver ", to_string(config.solver), " runs in --mode allreduce only");
    }
    train_info = data::describe_dataset(config.train_path);
    if (!train_info.sparse && config.sparse_exchange != SparseExchange::kAuto)
      throw error("--sparse-exchange applies to sparse (CSR) data; ", config.train_path,
                  " is dense");
    if (train_info.sparse && config.solver == Solver::kExact)
      throw error(config.train_path, ": sparse (CSR) data: --solver exact solves dense data");
    if (config.solver == Solver::kLbfgs) {
      const auto& name = config.model.name;
      if (!models::is_linear_model(name))
        throw error(
            "--solver lbfgs minimises the convex linear models (linreg, logreg, softmax, "
            "svm), not ",
            name);
      if (name == "svm" && config.model.output != "squared-hinge")
        throw error(
            "--solver lbfgs needs a smooth loss: the svm's squared hinge (--output "
            "squared-hinge), not the hinge");
    }
    if (config.early_stop > 0 && !config.resume.empty())
      throw error(
          "--early-stop watches the validation loss from the run's first epoch: not with "
          "--resume");
    if (config.early_stop > 0 && (config.mode == Mode::kPs || config.solver != Solver::kSgd))
      throw error(
          "--early-stop keeps the best epoch's parameters on the workers: --mode "
          "allreduce with --solver sgd");
    if (config.early_stop > 0 && train_info.sparse && gathers_sparse_steps(config, train_info))
      throw error(
          "--early-stop keeps the best epoch's parameters on the workers: not with "
          "sparse steps gathered (--sparse-exchange dense)");
    if (config.solver != Solver::kSgd && !config.resume.empty())
      throw error("--resume continues a run of steps; --solver ", to_string(config.solver),
                  " fits from the start");
    checkpoint::Every::parse_or_none(config.checkpoint_every);
    if (!config.checkpoint_every.empty() && config.checkpoint_dir.empty())
      throw error("--checkpoint-every needs --checkpoint-dir");
    // A trace that cannot be written fails now, not after the run.
    if (!config.trace_path.empty() && world.rank() == 0 &&
        !std::ofstream(config.trace_path, std::ios::binary | std::ios::trunc))
      throw error(config.trace_path, ": cannot write the trace (--trace): ", std::strerror(errno));
  });
  const bool server = config.mode == Mode::kPs && roles.is_server(world.rank());
  // The ranks of this rank's role: the workers among themselves, the servers among themselves.
  const auto group = world.split(server ? 1 : 0, world.rank());
  std::optional<TraceSession> tracing;
  if (!config.trace_path.empty())
    tracing.emplace(world, (server ? "server " : "worker ") + std::to_string(group.rank()));

  // Resuming: rank 0 finds the newest checkpoint that verifies and tells every rank.
  std::string resume_path;
  if (!config.resume.empty()) {
    std::vector<std::string> notes;
    comm::run_agreed(world, [&] {
      if (world.rank() == 0) resume_path = checkpoint::find_valid_checkpoint(config.resume, notes);
    });
    if (world.rank() == 0 && callbacks.on_note) {
      for (const auto& note : notes) callbacks.on_note(note);
      callbacks.on_note("resuming from " + resume_path);
    }
    resume_path = world.broadcast(resume_path, 0);
  }

  TrainResult result;
  std::int64_t server_bytes = 0;
  try {
    if (server) {
      for (int phase = 0; phase < kSetupPhases; ++phase) comm::run_agreed(world, [] {});
      ps::ServerOptions options;
      options.consistency = config.consistency;
      options.key_layout = key_layout(config, train_info);
      options.optimizer = config.optimizer;
      options.checkpoint_hook = callbacks.checkpoint_hook;
      options.deadline_seconds =
          ps::server_deadline(config.deadline, roles.server_index(world.rank()));
      options.checkpoint_seconds = ps::checkpoint_deadline(config.deadline, roles);
      options.step_check = config.step_check;
      if (callbacks.stop_signal) options.stop_wanted = [&] { return callbacks.stop_signal() != 0; };
      options.on_step = callbacks.on_server_step;
      options.compression = config.compression;
      const auto shared = shared_payloads(config, world, roles, 0, train_info);
      options.shared = shared.get();
      options.matrices = agreed_matrices(config, world, train_info, {});
      ps::ChannelTransport transport(world);
      ps::Server server_loop(transport, roles, roles.server_index(world.rank()), options, &group);
      comm::run_agreed(world, [&] {  // the workers' resume phase
        if (!resume_path.empty())
          server_loop.load(resume_path, checkpoint::read_metadata(resume_path));
      });
      server_loop.run();
      server_bytes = server_loop.payload_bytes();
      if (server_loop.stopped()) {
        const int own = callbacks.stop_signal ? callbacks.stop_signal() : 0;
        throw Stopped("stopped", false, own ? own : SIGTERM);
      }
    } else {
      result = run_worker(config, train_info, world, group, roles, resume_path, callbacks);
    }
  } catch (const Stopped&) {
    // Every rank stopped at an agreed step: the trace so far is still written.
    if (tracing) tracing->write(config.trace_path);
    throw;
  }
  // Each server's payload traffic, known to every rank.
  if (config.mode == Mode::kPs) {
    result.server_bytes.assign(static_cast<std::size_t>(roles.servers), 0.0);
    if (server)
      result.server_bytes[static_cast<std::size_t>(roles.server_index(world.rank()))] =
          static_cast<double>(server_bytes);
    world.allreduce(std::span<double>(result.server_bytes));
  }
  // Peak memory of the busiest worker and the busiest server, known to every rank.
  double peak[2] = {server ? 0.0 : peak_resident_mib(), server ? peak_resident_mib() : 0.0};
  world.allreduce(std::span<double>(peak), comm::ReduceOp::kMax);
  result.peak_worker_mib = peak[0];
  result.peak_server_mib = peak[1];
  if (tracing) tracing->write(config.trace_path);
  return result;
}

}  // namespace psml::train
