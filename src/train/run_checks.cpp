#include "run_checks.hpp"

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/models/model_factory.hpp"
#include "run_context.hpp"

namespace psml::train {

void check_run(const TrainConfig& config, const data::DatasetInfo& train_info) {
  if (config.mode == Mode::kPs && config.solver != Solver::kSgd)
    throw error("--solver ", to_string(config.solver), " runs in --mode allreduce only");
  if (!train_info.sparse && config.sparse_exchange != SparseExchange::kAuto)
    throw error("--sparse-exchange applies to sparse (CSR) data; ", config.train_path, " is dense");
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
}

}  // namespace psml::train
