#include <cstdio>
#include <iostream>
#include <memory>
#include <random>

#include "commands.hpp"
#include "model_options.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/aligned.hpp"
#include "psml/core/rng.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/models/gradient_check.hpp"
#include "validators.hpp"

namespace psml::cli {

void add_check_command(CLI::App& app, Action& action) {
  struct Options {
    models::ModelSpec model;
    std::string data;
    std::int64_t rows = 8;
    std::size_t keys = 300;
    double tolerance = 1e-5;
    std::uint64_t seed = 1;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "check-gradients",
      "compare a model's analytic gradient with central finite differences (double precision)");
  cmd->add_option("--data", o->data, "data file whose first rows are used")->required();
  add_model_options(cmd, o->model);
  cmd->add_option("--rows", o->rows, "rows of the batch")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--keys", o->keys, "parameters to check (spread over the vector)")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--tolerance", o->tolerance, "largest relative error that passes")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of the random parameters")->capture_default_str();
  cmd->callback([o, &action] {
    action = [o](const comm::Communicator& world) {
      comm::run_agreed(world, [&] {
        if (world.rank() != 0) return;
        const auto info = data::describe_dataset(o->data);
        const auto shard = data::read_shard(info, {0, std::min(o->rows, info.rows)});
        const std::int64_t classes =
            info.num_classes
                ? info.num_classes
                : std::int64_t{shard.classes.size() ? shard.classes.maxCoeff() + 1 : 0};
        auto model = models::make_model<double>(o->model, info.features, info.task,
                                                std::max<std::int64_t>(classes, 2), o->seed);
        // The model's own initial values, perturbed: zero starts sit on symmetric points.
        AlignedVector<double> params(model->num_params());
        model->init_params(params, o->seed);
        auto rng = make_rng(o->seed, RngPurpose::kInit, 999);
        std::normal_distribution<double> normal(0.0, 0.05);
        for (auto& p : params) p += normal(rng);
        const data::RowMatrixT<double> x = shard.x.cast<double>();
        const std::vector<double> targets(shard.targets.data(),
                                          shard.targets.data() + shard.targets.size());
        const data::BatchViewT<double> batch{
            Eigen::Map<const data::RowMatrixT<double>>(x.data(), x.rows(), x.cols()),
            {shard.classes.data(), static_cast<std::size_t>(shard.classes.size())},
            targets};
        const auto check = models::check_gradient(*model, params, batch, o->keys);
        std::printf(
            "check-gradients: %s on %lld rows of %s: worst relative error %.3g at key %zu "
            "(%zu of %zu keys checked)\n",
            o->model.describe().c_str(), static_cast<long long>(x.rows()), o->data.c_str(),
            check.worst_relative_error, check.worst_index, check.checked, params.size());
        std::fflush(stdout);
        if (!(check.worst_relative_error <= o->tolerance))
          throw error("check-gradients: ", o->model.name, ": relative error ",
                      check.worst_relative_error, " at key ", check.worst_index,
                      " exceeds --tolerance ", o->tolerance);
      });
    };
  });
}

}  // namespace psml::cli
