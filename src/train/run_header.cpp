#include "run_header.hpp"

#include "psml/train/option_rules.hpp"

namespace psml::train {
namespace {

std::string describe_optimizer(const TrainConfig& config, std::int64_t rows) {
  if (config.solver == Solver::kExact) return "closed form (ridge normal equations)";
  if (config.solver == Solver::kSgd) return config.optimizer.summary();
  const double l1 = config.optimizer.reg.l1;
  return detail::concat("full-batch L-BFGS (history ", config.lbfgs.history, ", at most ",
                        config.lbfgs.max_iterations, " iterations, gtol ", config.lbfgs.gtol,
                        l1 > 0 ? ", OWL-QN for l1 " : "", l1 > 0 ? std::to_string(l1) : "", ", l2 ",
                        effective_l2(config, rows), " on the weights)");
}

std::string describe_exchange(const WorkerSetup& s, const RunContext& run) {
  const auto& config = run.config;
  std::string text = s.any_exchange().describe();
  if (config.mode == Mode::kPs)
    text = "ps: " + count_of(run.roles.servers, "server") + " + " +
           count_of(run.roles.workers, "worker") + ", " + config.consistency.describe() +
           ", keys in " + to_string(resolved_key_layout(config, s.info));
  const bool full_batch = config.solver != Solver::kSgd;
  if (s.learner->keyed())
    text += ", sparse push/pull";
  else if (s.info.sparse && !full_batch)
    text += ", a dense gradient from each step's keys";
  if (s.shared) text += ", payloads in shared memory";
  return text;
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
  label += ", ";
  label += to_string(config.mode);
  if (config.mode == Mode::kPs)
    label +=
        detail::concat(" ", config.consistency.describe(), " ", roles.servers, "+", roles.workers);
  return label + ", " + count_of(ranks, "rank");
}

}  // namespace

RunHeader make_run_header(const WorkerSetup& s, const RunContext& run,
                          std::int64_t steps_per_epoch) {
  const auto& config = run.config;
  RunHeader h;
  h.label = label_of(config, run.roles, run.world.size());
  h.model = config.model.describe() + (s.info.sparse ? " on CSR rows" : "");
  h.data = config.train_path;
  h.rows = s.info.rows;
  h.features = s.info.features;
  h.classes = s.num_classes;
  h.params = s.learner->num_keys();
  h.ranks = run.world.size();
  h.global_batch = config.global_batch;
  h.steps_per_epoch = steps_per_epoch;
  h.optimizer = describe_optimizer(config, s.info.rows);
  h.choices = config.default_choices;
  h.exchange = describe_exchange(s, run);
  h.mode = to_string(config.mode);
  if (config.mode == Mode::kPs) h.consistency = config.consistency.describe();
  h.workers = run.roles.workers;
  h.servers = run.roles.servers;
  h.epochs = config.solver != Solver::kSgd ? 1 : config.epochs;
  h.first_epoch = s.resumed.epoch;
  h.first_step = s.resumed.step;
  return h;
}

}  // namespace psml::train
