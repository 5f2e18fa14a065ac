// The configuration of a training run: a plain struct, filled by the command line in one place and
// passed down. Its fingerprint is compared across ranks before training starts. Which options go
// together is train/option_rules.hpp. No communicator here: every user of the configuration
// would otherwise compile against MPI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "psml/allreduce/allreduce_kind.hpp"
#include "psml/compress/compression_spec.hpp"
#include "psml/data/batcher.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/optim/lbfgs.hpp"
#include "psml/optim/optimizer_factory.hpp"
#include "psml/ps/consistency.hpp"
#include "psml/ps/key_layout.hpp"
#include "psml/ps/payload_path.hpp"

namespace psml::train {

// How workers exchange gradients (--mode).
enum class Mode { kAllreduce, kPs };
// How a model is fitted (--solver): by minibatch steps, in closed form (linreg only), or by
// full-batch L-BFGS (the convex linear models: train/full_batch.hpp, optim/lbfgs.hpp). kAuto is
// the command line's default, resolved before any check (train/default_choices.hpp).
enum class Solver { kSgd, kExact, kLbfgs, kAuto };

// Allreduce mode on sparse (CSR) data (--sparse-exchange): a dense P-long gradient summed by the
// allreduce, or each step's keys and values gathered (allreduce/sparse_gather_exchange.hpp); auto
// gathers when 1.5 x the step's non-zeros (global batch x the file's mean per row) is below the
// feature count, where the gathered pairs are fewer bytes than the dense gradient.
enum class SparseExchange { kAuto, kDense, kSparse };

std::string to_string(Mode mode);
std::string to_string(Solver solver);
std::string to_string(allreduce::AllreduceKind kind);
std::string to_string(ps::PayloadPath path);
std::string to_string(SparseExchange exchange);

struct TrainConfig {
  std::string train_path;
  std::string test_path;  // empty: no evaluation
  // The datasets of both files (--features-path, --labels-path): X and y, /train/X, ...
  data::DatasetNames data_names;
  Mode mode = Mode::kAllreduce;
  int servers = 1;  // ps: server ranks (the last ones)
  // ps: which server holds which key; unset: blocks for sparse data, ranges for dense
  std::optional<ps::KeyLayoutKind> key_layout;
  ps::Consistency consistency;  // ps: bsp, ssp:K or async
  // ps: how dense payloads travel (auto: shared memory when every rank is on one node)
  ps::PayloadPath ps_transport = ps::PayloadPath::kAuto;
  double deadline = 300;  // longest wait (s) for a peer in any mode before the job is ended
  Solver solver = Solver::kSgd;
  SparseExchange sparse_exchange = SparseExchange::kAuto;
  // --solver lbfgs: history, max_iterations, gtol, ftol (its l1 is the optimizer spec's --l1).
  // The objective is the mean loss: gtol 1e-6 on its gradient; ftol as scipy's L-BFGS-B
  // (factr 1e7 x machine epsilon); 10 pairs and 100 iterations, as scikit-learn's defaults.
  optim::LbfgsOptions lbfgs{.history = 10,
                            .max_iterations = 100,
                            .gtol = 1e-6,
                            .ftol = 1e7 * 2.220446049250313e-16,
                            .l1 = 0,
                            .c1 = 1e-4,
                            .c2 = 0.9,
                            .max_evaluations_per_search = 40};
  std::string save_model;        // write the trained model here (a checkpoint file), if set
  std::string checkpoint_dir;    // write checkpoints here (see checkpoint/checkpoint.hpp)
  std::string checkpoint_every;  // "500steps", "1epoch"; empty: only the final checkpoint
  int checkpoint_keep = 3;       // checkpoints kept in checkpoint_dir
  std::string resume;            // continue from the newest valid checkpoint here (dir or file)
  bool step_check = true;        // compare a fingerprint of each step's exchange across ranks
  int grace_seconds = 20;        // SIGTERM / SIGINT: longest time to the final checkpoint
  models::ModelSpec model;
  optim::OptimizerSpec optimizer;
  // --solver lbfgs chosen by --solver auto with no --l2: the L2 weight is 1 / (training rows),
  // scikit-learn's C = 1 (effective_l2 below).
  bool l2_per_row = false;
  // What --solver auto and the other open choices chose, and why: lines for the run header.
  std::vector<std::string> default_choices;
  std::int64_t epochs = 10;
  // Hold this fraction of the training file's rows out as a validation set (0: none;
  // data/validation_split.hpp), evaluated after every epoch.
  double validation = 0;
  // Stop when the validation loss has not improved for this many epochs (0: never), keeping the
  // best epoch's parameters (and a checkpoint of them in checkpoint_dir/best).
  std::int64_t early_stop = 0;
  // Standardize each feature by the training rows' mean and standard deviation (CSR: scale only),
  // stored in the checkpoints and applied at predict and eval (data/standardization.hpp).
  bool standardize = false;
  std::int64_t global_batch = 128;
  data::BatchOrder batch_order = data::BatchOrder::kLocal;  // see data/batcher.hpp
  // allreduce: shared memory or MPI (auto: shared memory when every rank is on one node)
  allreduce::AllreduceKind allreduce = allreduce::AllreduceKind::kAuto;
  // allreduce: the gradients' compression for slow links (none, fp16, int8, topk:R)
  compress::CompressionSpec compression;
  double bucket_mb =
      25;  // MPI allreduce: gradient bucket size (MB); 0: one allreduce after backprop
  std::uint64_t seed = 1;
  // Bytes a worker may hold of the training data (0: no limit): a shard larger than this is
  // streamed from the file (data/streaming_shard.hpp).
  std::int64_t data_memory = 0;
  // The simulation build: seconds of computation charged per row of a step instead of running the
  // model's passes (0: run them; train/charged_learner.hpp).
  double compute_seconds_per_row = 0;
  // Write a Chrome trace of every rank's spans here at the end (empty: no tracing).
  std::string trace_path;
  // The effective configuration as TOML (what `psml train --config` reads), stored in every
  // checkpoint; empty: describe() is stored.
  std::string settings_toml;

  // A canonical one-line text of every field but settings_toml ("key=value ..."), numbers written
  // so that they read back to the same value. A field added above goes here too (and into
  // tests/unit/train_config_test.cpp, which changes each field and expects the fingerprint to).
  std::string describe() const;
  // How the training and test files are read: their dataset names, and the task the model fixes
  // (whole-number float labels are classes for softmax, values for linreg).
  data::DescribeOptions data_options() const;
  // A hash of describe() and settings_toml (which holds every option of the command line, those
  // of the run record too): ranks launched with different options disagree on it.
  std::uint64_t fingerprint() const;
};

// The L2 weight a full-batch solve of `rows` training rows uses.
double effective_l2(const TrainConfig& config, std::int64_t rows);

}  // namespace psml::train
