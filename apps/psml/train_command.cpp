#include <iostream>
#include <map>
#include <memory>

#include "commands.hpp"
#include "config_file.hpp"
#include "model_options.hpp"
#include "psml/core/error.hpp"
#include "psml/core/simulation.hpp"
#include "psml/train/default_choices.hpp"
#include "psml/train/option_rules.hpp"
#include "psml/train/run_folder.hpp"
#include "run_record.hpp"
#include "train_run.hpp"
#include "validators.hpp"

namespace psml::cli {
namespace {

void add_optimizer_options(CLI::App* cmd, optim::OptimizerSpec& o) {
  cmd->add_option("--optimizer", o.name, "optimizer")
      ->check(CLI::IsMember(optim::optimizer_names()))
      ->capture_default_str();
  cmd->add_option("--lr", o.lr,
                  "learning rate (default: 0.001 for adam and adamw, 0.01 for rmsprop and "
                  "adagrad, 0.1 for the others)")
      ->check(positive_number);
  cmd->add_option("--momentum", o.hyper.momentum, "momentum, nesterov: mu")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  cmd->add_option("--beta1", o.hyper.beta1, "adam, adamw")
      ->check(CLI::Range(0.0f, 0.999999f))
      ->capture_default_str();
  cmd->add_option("--beta2", o.hyper.beta2, "adam, adamw")
      ->check(CLI::Range(0.0f, 0.999999f))
      ->capture_default_str();
  cmd->add_option("--rho", o.hyper.rho, "rmsprop: decay of the squared-gradient average")
      ->check(CLI::Range(0.0f, 0.999999f))
      ->capture_default_str();
  cmd->add_option("--eps", o.hyper.eps, "adagrad, rmsprop, adam, adamw")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--l2", o.reg.l2, "L2 regularisation (adamw: decoupled weight decay)")
      ->check(non_negative_number)
      ->capture_default_str();
  cmd->add_option("--l1", o.reg.l1, "L1 regularisation (proximal)")
      ->check(non_negative_number)
      ->capture_default_str();
  auto& schedule = o.schedule;
  add_choice(cmd, "--lr-schedule", schedule.kind, optim::schedule_kinds(),
             "learning-rate schedule (default: cosine for mlp, constant for the others)")
      ->default_str("constant");
  cmd->add_option("--lr-gamma", schedule.gamma,
                  "step/exponential: decay factor per --lr-step-size steps")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--lr-step-size", schedule.step_size, "step/exponential: steps per decay")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--lr-min", schedule.min_lr, "cosine: final learning rate")
      ->check(non_negative_number)
      ->capture_default_str();
  cmd->add_option("--warmup-steps", schedule.warmup_steps, "linear warm-up steps")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))
      ->capture_default_str();
}

using Config = std::shared_ptr<train::TrainConfig>;

// The data, the mode and the parameter servers' options.
void add_data_and_ps_options(CLI::App* cmd, const Config& config) {
  cmd->add_option("--data", config->train_path, "training data (HDF5, psml's schema)")->required();
  cmd->add_option("--test", config->test_path, "test data, evaluated after each epoch");
  add_dataset_name_options(cmd, config->data_names);
  add_choice(cmd, "--mode", config->mode,
             std::map<std::string, train::Mode>{{"allreduce", train::Mode::kAllreduce},
                                                {"ps", train::Mode::kPs}},
             "how gradients are exchanged: allreduce or ps")
      ->default_str("allreduce");
  cmd->add_option("--servers", config->servers, "ps: number of server ranks (the last ranks)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  add_choice(cmd, "--key-layout", config->key_layout,
             std::map<std::string, ps::KeyLayoutKind>{{"ranges", ps::KeyLayoutKind::kRanges},
                                                      {"blocks", ps::KeyLayoutKind::kBlocks}},
             "ps: which server holds which key: ranges (contiguous) or blocks (64-key blocks "
             "dealt out in turn: balances skewed sparse data); default: blocks for sparse data, "
             "ranges for dense");
  cmd->add_option("--deadline,--ps-deadline", config->deadline,
                  "seconds a rank waits for a peer (a collective, a server's answer, a worker's "
                  "message) before the job ends with a line naming the peer")
      ->check(CLI::Range(0.1, 1e6))
      ->capture_default_str();
  cmd->add_option_function<std::string>(
         "--consistency",
         [config](const std::string& text) { config->consistency = ps::Consistency::parse(text); },
         "ps: bsp, ssp:K or async")
      ->check(
          [](const std::string& text) {
            try {
              ps::Consistency::parse(text);
              return std::string();
            } catch (const Error&) {
              return "'" + text + "' is not bsp, ssp:K (K >= 0) or async";
            }
          },
          "CONSISTENCY")
      ->default_str("bsp");
  add_choice(cmd, "--ps-transport", config->ps_transport,
             std::map<std::string, ps::PayloadPath>{{"auto", ps::PayloadPath::kAuto},
                                                    {"shm", ps::PayloadPath::kSharedMemory},
                                                    {"mpi", ps::PayloadPath::kMpi}},
             "ps: how dense gradients and parameters travel: shm (through memory every rank "
             "maps, one node), mpi (in MPI messages), auto (shm when every rank is on one node)")
      ->default_str("auto");
}

// The solver's options, and how sparse data is exchanged in allreduce mode.
void add_solver_options(CLI::App* cmd, const Config& config) {
  add_choice(cmd, "--solver", config->solver,
             std::map<std::string, train::Solver>{{"sgd", train::Solver::kSgd},
                                                  {"exact", train::Solver::kExact},
                                                  {"lbfgs", train::Solver::kLbfgs},
                                                  {"auto", train::Solver::kAuto}},
             "sgd (minibatch steps, any model), exact (closed form, linreg) or lbfgs "
             "(full-batch L-BFGS to convergence: linreg, logreg, softmax, svm with the squared "
             "hinge; --l1 by OWL-QN); auto: exact or lbfgs for the linear models when the run "
             "can solve them (the run header says what it chose and why), sgd otherwise")
      ->default_str("auto");
  add_choice(
      cmd, "--sparse-exchange", config->sparse_exchange,
      std::map<std::string, train::SparseExchange>{{"auto", train::SparseExchange::kAuto},
                                                   {"dense", train::SparseExchange::kDense},
                                                   {"sparse", train::SparseExchange::kSparse}},
      "allreduce mode on sparse (CSR) data: dense (a P-long gradient, summed by the "
      "allreduce), sparse (each step's keys and values gathered, the optimizer on their "
      "union), auto (sparse when 1.5 x the step's non-zeros < the feature count)")
      ->default_str("auto");
  cmd->add_option("--max-iter", config->lbfgs.max_iterations, "lbfgs: most iterations")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  cmd->add_option("--gtol", config->lbfgs.gtol,
                  "lbfgs: stop when the largest entry of the objective's (pseudo-)gradient is at "
                  "most this")
      ->check(non_negative_number)
      ->capture_default_str();
  cmd->add_option("--ftol", config->lbfgs.ftol,
                  "lbfgs: stop when an iteration lowers the objective by at most this, "
                  "relative to its size (or 1)")
      ->check(non_negative_number)
      ->capture_default_str();
  cmd->add_option("--lbfgs-history", config->lbfgs.history,
                  "lbfgs: correction pairs kept for the inverse-Hessian approximation")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
}

// Epochs, validation and batches.
void add_epoch_options(CLI::App* cmd, const Config& config) {
  cmd->add_option("--epochs", config->epochs, "passes over the training data")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--validation", config->validation,
                  "hold this fraction of the training rows out (chosen by --seed, the same on "
                  "any number of ranks) and report the model's figures on them every epoch")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  cmd->add_option("--early-stop", config->early_stop,
                  "stop when the validation loss has not improved for this many epochs, and keep "
                  "the best epoch's parameters (needs --validation; a checkpoint of them in "
                  "CHECKPOINT_DIR/best)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))
      ->capture_default_str();
  cmd->add_flag(
      "--standardize", config->standardize,
      "standardize each feature by the training rows' mean and standard deviation "
      "(sparse data: scaled only, not centred), kept in the checkpoints for predict/eval");
  cmd->add_option("--batch", config->global_batch, "global batch size, split across ranks")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24))
      ->capture_default_str();
  add_choice(cmd, "--batch-order", config->batch_order,
             std::map<std::string, data::BatchOrder>{{"local", data::BatchOrder::kLocal},
                                                     {"global", data::BatchOrder::kGlobal}},
             "local: each rank draws an even share of every step from its own rows; global: "
             "the same global batches on any number of ranks, uneven shares")
      ->default_str("local");
}

// How the allreduce sums gradients.
void add_allreduce_options(CLI::App* cmd, const Config& config) {
  add_choice(cmd, "--allreduce", config->allreduce,
             std::map<std::string, allreduce::AllreduceKind>{
                 {"auto", allreduce::AllreduceKind::kAuto},
                 {"shm", allreduce::AllreduceKind::kSharedMemory},
                 {"mpi", allreduce::AllreduceKind::kMpi}},
             "allreduce mode: shm (ranks on one node add up each other's gradients in shared "
             "memory), mpi (Open MPI's collectives, in buckets), auto (shm when every rank is on "
             "one node)")
      ->default_str("auto");
  cmd->add_option_function<std::string>(
         "--compression",
         [config](const std::string& text) {
           config->compression = compress::CompressionSpec::parse(text);
         },
         "compress each step's gradients for slow links, over MPI: none, fp16, int8 (a scale "
         "per 1024 values), topk:R (the fraction R of the largest, the rest fed back into the "
         "next step; allreduce: every rank's gathered, ps: the pushes), powersgd:R (rank-R "
         "factors of each weight matrix, the error fed back; allreduce: summed by two "
         "allreduces, ps: each worker's own)")
      ->check(
          [](const std::string& text) {
            try {
              compress::CompressionSpec::parse(text);
              return std::string();
            } catch (const Error& e) {
              return std::string(e.what());
            }
          },
          "COMPRESSION")
      ->default_str("none");
  cmd->add_option("--bucket-mb", config->bucket_mb,
                  "--allreduce mpi: gradient bucket size in MB; each bucket's allreduce starts "
                  "as soon as backprop has its keys (0: one allreduce after backprop)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
}

// Seeds, memory, checkpoints, resuming and stopping.
void add_run_options(CLI::App* cmd, const Config& config) {
  cmd->add_option("--seed", config->seed, "seed of every random stream")->capture_default_str();
  cmd->add_option("--data-memory", config->data_memory,
                  "most memory a worker's training rows may take (512MiB, 4GiB; default: no "
                  "limit): a larger shard is streamed from the file in chunks, read ahead "
                  "while the model computes and shuffled within a window of chunks")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 50));
  cmd->add_option("--checkpoint-dir", config->checkpoint_dir,
                  "write checkpoints here (a final one at the end of training)");
  cmd->add_option("--checkpoint-every", config->checkpoint_every,
                  "also every N steps or epochs: 500steps, 1epoch, 2epochs");
  cmd->add_option("--checkpoint-keep", config->checkpoint_keep, "checkpoints to keep")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--resume", config->resume,
                  "continue from the newest checkpoint that verifies in this directory (or this "
                  "file); later checkpoints go there too unless --checkpoint-dir says otherwise");
  cmd->add_option("--save-model,--save-params", config->save_model,
                  "write the trained model to this file (a checkpoint: psml eval, predict and "
                  "train --resume read it)");
  cmd->add_flag("!--no-step-check", config->step_check,
                "do not compare a fingerprint of each step's exchange across ranks");
  cmd->add_option("--grace-seconds", config->grace_seconds,
                  "SIGTERM / SIGINT: the ranks stop at the next step, write a final checkpoint "
                  "and exit; a rank still running this long after the signal exits at once")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();

  if constexpr (simulation::kSimulated)
    cmd->add_option("--compute-seconds-per-row", config->compute_seconds_per_row,
                    "simulation: charge the simulated host this many seconds per row of a step "
                    "instead of running the model (0: run it)")
        ->check(non_negative_number)
        ->capture_default_str();
}

// --config FILE, and the flags that print what train takes and exit.
void add_config_options(CLI::App* cmd) {
  // Every option above can come from a TOML file (config_file.hpp expands it before parsing).
  cmd->add_option("--config",
                  "read options from this TOML file (key = value, the long names without "
                  "dashes; examples/train.toml); options on the command line override it");
  cmd->add_flag_callback(
         "--print-config",
         [cmd] {
           if (comm::Communicator::world().rank() != 0) throw CLI::Success();
           // The options the --config file and the command line gave, merged as a run takes
           // them (main parses --print-config last), the others at their defaults.
           std::cout << "# psml train: every option, as given or by default (psml train --config "
                        "FILE)\n"
                     << options_as_toml(*cmd, true);
           throw CLI::Success();
         },
         "print every option of train as TOML (its value from --config and the command line, "
         "else its default), and exit")
      ->trigger_on_parse();
  cmd->add_flag_callback(
         "--print-option-rules",
         [] {
           if (comm::Communicator::world().rank() != 0) throw CLI::Success();
           std::cout << train::option_rules_json();
           throw CLI::Success();
         },
         "print, as JSON, where each option applies (psml experiment reads it), and exit")
      ->trigger_on_parse();
}

// The long names of the options the command line or --config file gave.
std::vector<std::string> given_options(CLI::App* cmd) {
  std::vector<std::string> given;
  for (const CLI::Option* option : cmd->get_options())
    if (option->count() > 0 && !option->get_lnames().empty())
      given.push_back(option->get_lnames().front());
  return given;
}

// The parsed options made whole: what the command line implies, checked (those rules that need
// no data: train() checks the rest against the training data).
void complete_options(train::TrainConfig& config, RecordOptions& record, CLI::App* cmd) {
  const auto given = given_options(cmd);
  train::choose_defaults(config, given);
  // L-BFGS needs a smooth loss: the SVM's squared hinge unless told otherwise (and then the
  // trainer refuses the hinge with one line).
  if (config.solver == train::Solver::kLbfgs && config.model.name == "svm" &&
      config.model.output == "auto")
    config.model.output = "squared-hinge";
  // Which options go together (train/option_rules.hpp): those that need no data, now, as the
  // command line's errors; train() checks the rest against the training data.
  try {
    train::check_options(config, given);
  } catch (const Error& e) {
    throw CLI::ValidationError(e.what());
  }
  // The run record's own options, which TrainConfig does not hold: quiet prints no configuration.
  if (record.quiet && record.verbose)
    throw CLI::ValidationError(
        "--verbose: prints the configuration, which --quiet leaves out: give one of them");
  // Simulated ranks wait in simulated time: a wall-clock deadline would end a healthy run whose
  // simulation is slow, and polling for one would cost simulated time. Waits block.
  if constexpr (simulation::kSimulated) config.deadline = 0;
  config.settings_toml = options_as_toml(*cmd, true);
  record.trace_given = cmd->count("--trace") > 0;
  // --resume of a run folder continues that run: its checkpoints, its metrics.
  if (!config.resume.empty() && train::is_run_folder(config.resume)) {
    if (record.run_dir.empty()) record.run_dir = config.resume;
    config.resume += "/checkpoints";
  }
  // A resumed run keeps writing checkpoints where it came from.
  if (!config.resume.empty() && config.checkpoint_dir.empty() && record.run_dir.empty())
    config.checkpoint_dir = train::folder_of_resume(config.resume);
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto config = std::make_shared<train::TrainConfig>();
  config->solver = train::Solver::kAuto;  // the command line's default (train/default_choices.hpp)
  auto* cmd = app.add_subcommand(
      "train", "train a model on an HDF5 data file, data-parallel over MPI ranks");
  add_data_and_ps_options(cmd, config);
  add_solver_options(cmd, config);
  add_model_options(cmd, config->model);
  add_optimizer_options(cmd, config->optimizer);
  add_epoch_options(cmd, config);
  add_allreduce_options(cmd, config);
  add_run_options(cmd, config);
  auto record = std::make_shared<RecordOptions>();
  add_record_options(cmd, *record);
  add_config_options(cmd);
  cmd->callback([config, record, cmd, &action] {
    complete_options(*config, *record, cmd);
    action = [config, record](const comm::Communicator& world) {
      run_training(*config, *record, world);
    };
  });
}

}  // namespace psml::cli
