#include <iostream>
#include <memory>

#include "commands.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/data/idx_reader.hpp"
#include "psml/data/inspect.hpp"
#include "psml/data/libsvm_reader.hpp"
#include "psml/data/synthetic.hpp"

namespace psml::cli {
namespace {

// Data commands are serial: rank 0 works, and any other ranks of an mpirun agree on its outcome.
Action on_rank_zero(std::function<void()> work) {
  return [work = std::move(work)](const comm::Communicator& world) {
    comm::run_agreed(world, [&] {
      if (world.rank() == 0) work();
    });
  };
}

void add_import(CLI::App& data, Action& action) {
  struct Options {
    std::string format = "idx", images, labels, input, out;
    float divide_by = 1.0f;
    bool zero_based = false;
    std::int64_t features = 0;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = data.add_subcommand("import", "convert a dataset into psml's HDF5 schema");
  cmd->add_option("--format", o->format, "input format")
      ->check(CLI::IsMember({"idx", "libsvm"}))
      ->capture_default_str();
  cmd->add_option("--images", o->images, "idx: images file (.gz or plain)");
  cmd->add_option("--labels", o->labels, "idx: labels file (.gz or plain)");
  cmd->add_option("--input", o->input, "libsvm: the text file");
  cmd->add_flag("--zero-based", o->zero_based, "libsvm: indices start at 0 (default: 1)");
  cmd->add_option("--features", o->features, "libsvm: number of columns (default: largest index)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  cmd->add_option("--divide-by", o->divide_by,
                  "divide every feature by this (255: pixels to [0, 1])")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--out", o->out, "HDF5 file to write")->required();
  cmd->callback([o, &action] {
    if (o->format == "idx" && (o->images.empty() || o->labels.empty()))
      throw CLI::ValidationError("--format idx", "needs --images and --labels");
    if (o->format == "libsvm" && o->input.empty())
      throw CLI::ValidationError("--format libsvm", "needs --input");
    action = on_rank_zero([o] {
      if (o->format == "idx")
        data::import_idx(o->images, o->labels, o->out, 1.0f / o->divide_by);
      else
        data::import_libsvm(o->input, o->out, o->zero_based, o->features);
      std::cout << "wrote " << o->out << std::endl;
    });
  });
}

void add_synth(CLI::App& data, Action& action) {
  auto spec = std::make_shared<data::SyntheticSpec>();
  auto out = std::make_shared<std::string>();
  auto task = std::make_shared<std::string>("classification");
  auto* cmd = data.add_subcommand("synth", "write a seeded synthetic data set");
  cmd->add_option("--task", *task, "kind of labels")
      ->check(CLI::IsMember({"classification", "regression"}))
      ->capture_default_str();
  cmd->add_option("--rows", spec->rows, "rows")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--features", spec->features, "features")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--classes", spec->classes, "classes (classification)")
      ->check(CLI::Range(std::int64_t{2}, std::int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--separation", spec->separation, "spread of class centres")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--noise", spec->noise, "regression noise std-dev")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--seed", spec->seed, "random seed")->capture_default_str();
  cmd->add_option("--test-rows", spec->test_rows,
                  "also write this many test rows (same distribution)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  cmd->add_option("--test-out", spec->test_out, "the test file for --test-rows");
  cmd->add_option("--nnz", spec->nnz, "sparse binary classification (CSR): values per row")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  cmd->add_option("--out", *out, "HDF5 file to write")->required();
  cmd->callback([spec, out, task, &action] {
    spec->task = *task == "regression" ? data::Task::kRegression : data::Task::kClassification;
    action = on_rank_zero([spec, out] {
      data::write_synthetic(*spec, *out);
      std::cout << "wrote " << *out << std::endl;
    });
  });
}

void add_inspect(CLI::App& data, Action& action) {
  auto path = std::make_shared<std::string>();
  auto* cmd =
      data.add_subcommand("inspect", "print shape, dtypes, class counts and ranges of a data file");
  cmd->add_option("file", *path, "HDF5 data file")->required();
  cmd->callback([path, &action] {
    action =
        on_rank_zero([path] { data::print_summary(std::cout, data::summarize_dataset(*path)); });
  });
}

}  // namespace

void add_data_command(CLI::App& app, Action& action) {
  auto* data = app.add_subcommand("data", "import, generate and inspect data files");
  data->require_subcommand(1);
  add_import(*data, action);
  add_synth(*data, action);
  add_inspect(*data, action);
}

}  // namespace psml::cli
