#include "worker_setup.hpp"

#include <algorithm>
#include <exception>
#include <functional>

#include "make_exchange.hpp"
#include "ps_setup.hpp"
#include "psml/checkpoint/checkpoint.hpp"
#include "psml/core/count_of.hpp"
#include "psml/data/batcher.hpp"
#include "psml/data/feature_scale.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/data/standardization.hpp"
#include "psml/data/streaming_shard.hpp"
#include "psml/data/validation_split.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/train/charged_learner.hpp"
#include "psml/train/dense_learner.hpp"
#include "psml/train/option_rules.hpp"
#include "psml/train/sparse_learner.hpp"
#include "training_standardization.hpp"

namespace psml::train {

namespace {

// Dense or CSR rows, from one phase to the next.
template <class AnyShard>
struct Rows {
  AnyShard train, test, validation;
};
struct DataLoading {
  std::variant<Rows<data::Shard>, Rows<data::SparseShard>> rows;
  std::unique_ptr<data::StreamingShard> stream;  // dense rows streamed from the file
  // --standardize of streamed rows: opens the stream once the figures are known (its thread
  // standardizes every window it reads).
  std::function<std::unique_ptr<data::StreamingShard>(const data::Standardization&)> open_stream;
};

data::RowRange worker_rows(const data::DatasetInfo& info, const comm::Communicator& workers) {
  if (info.rows < workers.size())
    throw error(info.path, ": has ", info.rows, " rows, fewer than the ",
                count_of(workers.size(), "worker"));
  return data::balanced_range(info.rows, workers.size(), workers.rank());
}

// The training rows of a dense file: read, or streamed past --data-memory.
void read_training_rows(Rows<data::Shard>& r, DataLoading& l, WorkerSetup& s,
                        const RunContext& run) {
  const auto& config = run.config;
  const auto rows = s.rows = worker_rows(s.info, run.group);
  if (!streams_rows(config, s.info, rows.count)) {
    r.train = data::read_shard(s.info, rows);
    return;
  }
  const data::Batcher steps(s.info.rows, rows, config.global_batch, config.seed, config.batch_order,
                            run.group.rank());
  l.open_stream = [info = s.info, rows, budget = config.data_memory,
                   chunk_rows = steps.max_local_rows(),
                   seed = data::Batcher::local_seed(config.seed, run.group.rank())](
                      const data::Standardization& standardization) {
    return std::make_unique<data::StreamingShard>(info, rows, budget, chunk_rows, seed,
                                                  standardization);
  };
  if (!config.standardize) l.stream = l.open_stream({});
}

void read_training_rows(Rows<data::SparseShard>& r, DataLoading&, WorkerSetup& s,
                        const RunContext& run) {
  r.train = data::read_sparse_shard(s.info, worker_rows(s.info, run.group));
  s.rows = r.train.rows;
}

// --validation: this worker's held-out rows moved out of the training rows
// (data/validation_split.hpp), and the run's training rows numbered again.
template <class AnyShard>
void hold_out_validation(Rows<AnyShard>& r, WorkerSetup& s, const RunContext& run) {
  if (run.config.validation <= 0 || r.train.info.path.empty()) return;  // none, or streamed
  r.validation = data::split_validation(r.train, run.config.validation, run.config.seed, run.group);
  s.rows = r.train.rows;
  s.info.rows = r.train.info.rows;
}

// --standardize: the figures (computed, or a resumed run's), applied to the training and
// validation rows in memory; the test rows get them as they are read (make_learner).
template <class AnyShard>
void standardize_rows(Rows<AnyShard>& r, DataLoading& l, WorkerSetup& s, const RunContext& run) {
  if (!run.config.standardize) return;
  // First, before anything here can fail: the collectives over the workers (every worker takes
  // the same branch: the options are the same everywhere).
  const bool streamed = static_cast<bool>(l.open_stream);
  s.standardization = run.resume_path.empty()
                          ? training_standardization(r.train, streamed, s.info, s.rows, run.group)
                          : saved_standardization(run.resume_path);
  if (streamed) l.stream = l.open_stream(s.standardization);
  s.standardization.apply(r.train.x);
  s.standardization.apply(r.validation.x);
}

std::span<const float> feature_values(const Rows<data::Shard>& r) {
  return {r.train.x.data(), static_cast<std::size_t>(r.train.x.size())};
}
std::span<const float> feature_values(const Rows<data::SparseShard>& r) {
  return r.train.x.values;
}

// A warning when the training features are far from unit scale, from the rows the workers hold
// in memory (streamed rows are not looked at: no extra pass over the file). Collective over the
// workers.
template <class AnyShard>
void warn_of_scale(const Rows<AnyShard>& r, const RunContext& run) {
  data::FeatureRange range;
  range.add(feature_values(r));
  double ends[2] = {-range.min, range.max};
  run.group.allreduce(std::span<double>(ends), comm::ReduceOp::kMax);
  if (const auto w = data::scale_warning(run.train_info.path, {-ends[0], ends[1]})) run.note(*w);
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

// The test rows, if any: read onto the training file's classes (ids, or its labels' names).
template <class AnyShard, class Read>
AnyShard read_test_rows(const WorkerSetup& s, const RunContext& run, Read read) {
  if (run.config.test_path.empty()) return {};
  auto options = run.config.data_options();
  options.task = s.info.task;
  options.classes = data::KnownClasses{s.num_classes, s.info.class_names};
  const auto info = data::describe_dataset(run.config.test_path, options);
  check_test_set(run.config, info, s.info);
  auto rows = read(info, worker_rows(info, run.group));
  if (!s.standardization.empty()) s.standardization.apply(rows.x);
  return rows;
}

std::unique_ptr<Learner> make_learner(Rows<data::Shard>& r, DataLoading& l, const WorkerSetup& s,
                                      const RunContext& run) {
  const auto& config = run.config;
  // A streamed shard's thread may be reading its first window: HDF5 is not thread-safe.
  const auto h5 = h5::library_lock();
  r.test = read_test_rows<data::Shard>(
      s, run, [](const auto& info, auto rows) { return data::read_shard(info, rows); });
  auto model = models::make_model<float>(config.model, s.info.features, s.info.task, s.num_classes,
                                         config.seed);
  auto learner =
      std::make_unique<DenseLearner>(std::move(model), std::move(r.train), std::move(r.test),
                                     !config.test_path.empty(), std::move(l.stream));
  if (config.validation > 0) learner->set_validation(std::move(r.validation));
  return learner;
}

std::unique_ptr<Learner> make_learner(Rows<data::SparseShard>& r, DataLoading&,
                                      const WorkerSetup& s, const RunContext& run) {
  const auto& config = run.config;
  r.test = read_test_rows<data::SparseShard>(
      s, run, [](const auto& info, auto rows) { return data::read_sparse_shard(info, rows); });
  auto model =
      models::make_sparse_model<float>(config.model, s.info.features, s.info.task, s.num_classes);
  // Allreduce mode sums a dense gradient unless its steps gather their keys.
  const bool dense_view =
      config.mode == Mode::kAllreduce && !gathers_sparse_steps(config, run.train_info);
  auto learner =
      std::make_unique<SparseLearner>(std::move(model), std::move(r.train), std::move(r.test),
                                      !config.test_path.empty(), dense_view);
  if (config.validation > 0) learner->set_validation(std::move(r.validation));
  return learner;
}

// Resuming: the checkpoint must hold the model this run trains (same spec, data shape and
// optimizer); the exchange takes its parameters and optimizer state.
void resume_from(const std::string& path, WorkerSetup& s, AlignedVector<float>& params,
                 const RunContext& run) {
  const auto h5 = h5::library_lock();  // a streaming shard's thread reads HDF5 too
  const auto saved = checkpoint::read_metadata(path);
  const auto run_meta = describe_run(run, s);
  if (saved.model != run_meta.model || saved.features != run_meta.features ||
      saved.num_classes != run_meta.num_classes || saved.num_params != run_meta.num_params)
    throw error(path, ": holds model '", saved.model, "' (", saved.features, " features, ",
                saved.num_classes, " classes, ", saved.num_params,
                " parameters), this run trains '", run_meta.model, "' (", run_meta.features,
                " features, ", run_meta.num_classes, " classes, ", run_meta.num_params,
                " parameters)");
  if (!saved.standardization.empty() && run_meta.standardization.empty())
    throw error(path,
                ": was trained with --standardize; resume it with --standardize (its model "
                "takes standardized features)");
  if (saved.optimizer != run_meta.optimizer)
    throw error(path, ": was trained with --optimizer ", saved.optimizer, ", this run uses ",
                run_meta.optimizer);
  s.any_exchange().resume(path, saved, params);
  s.resumed = {saved.epoch, saved.step_in_epoch, saved.global_step};
}

}  // namespace

checkpoint::Metadata describe_run(const RunContext& run, const WorkerSetup& s) {
  const auto& config = run.config;
  checkpoint::Metadata m;
  m.model = config.model.describe();
  m.features = s.info.features;
  m.num_classes = s.num_classes;
  m.task = to_string(s.info.task);
  m.optimizer = config.optimizer.name;
  m.config = config.settings_toml.empty() ? config.describe() : config.settings_toml;
  m.seed = config.seed;
  m.mode = to_string(config.mode);
  m.world_size = run.world.size();
  m.workers = run.roles.workers;
  m.servers = run.roles.servers;
  m.num_params = s.learner->num_keys();
  m.class_names = s.info.class_names;
  m.standardization = s.standardization;
  return m;
}

PhaseBodies worker_setup_bodies(WorkerSetup& s, AlignedVector<float>& params,
                                const RunContext& run) {
  s.info = run.train_info;
  // The rows the data phases hand on to each other, kept until the bodies are gone.
  const auto loading = std::make_shared<DataLoading>();
  if (s.info.sparse) loading->rows.emplace<Rows<data::SparseShard>>();
  auto& l = *loading;
  const auto each = [loading](auto f) { return [loading, f] { std::visit(f, loading->rows); }; };
  const bool ps = run.config.mode == Mode::kPs;
  return {
      {"read the training rows", each([&](auto& r) { read_training_rows(r, l, s, run); })},
      {"hold out the validation rows", each([&](auto& r) { hold_out_validation(r, s, run); })},
      {"standardize the features", each([&](auto& r) { standardize_rows(r, l, s, run); })},
      {"read the test rows and build the model", each([&](auto& r) {
         // First, before anything here can fail: a collective over the workers.
         warn_of_scale(r, run);
         s.num_classes = s.info.num_classes;
         s.learner = make_learner(r, l, s, run);
       })},
      {"payload transport",
       [&, ps] {
         if (ps) s.shared = shared_payloads(run, s.learner->num_keys());
       }},
      {"weight matrices for powersgd",
       [&, ps] {
         if (ps) s.matrices = agreed_matrices(run, s.learner->matrices());
       }},
      {"connect the exchange", [&] { connect_exchange(s, run); }},
      {"resume",
       [&] {
         // Dense: this worker holds all P keys. Keyed: only the values of a step's keys.
         if (!s.learner->keyed()) {
           params.resize(static_cast<std::size_t>(s.learner->num_keys()));
           s.learner->init_params(params, run.config.seed);
         }
         if (!run.resume_path.empty()) resume_from(run.resume_path, s, params, run);
       }},
  };
}

}  // namespace psml::train
