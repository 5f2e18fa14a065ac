// Using a trained model: psml eval, psml predict, psml checkpoint inspect.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "output_file.hpp"
#include "psml/checkpoint/checkpoint.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/aligned.hpp"
#include "psml/core/error.hpp"
#include "psml/data/csr.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/models/sparse_logreg.hpp"

namespace psml::cli {
namespace {

// A saved model's (or checkpoint's) model, its parameters, and this rank's rows of a data file,
// all validated on every rank before anything collective happens. Sparse (CSR) data goes with the
// sparse logistic regression a sparse parameter-server run trains.
struct Loaded {
  std::string path;
  checkpoint::Metadata meta;
  std::unique_ptr<models::Model> model;                            // dense data
  std::unique_ptr<models::SparseLogisticRegression> sparse_model;  // sparse data
  AlignedVector<float> params;
  data::Shard shard;
  data::SparseShard sparse_shard;
  std::int64_t first_row = 0;  // this rank's first row of the file
  std::int64_t rows() const { return model ? shard.x.rows() : sparse_shard.x.rows(); }
};

Loaded load(const std::string& checkpoint_path, const std::string& data_path,
            const comm::Communicator& world) {
  Loaded l;
  std::vector<std::string> notes;
  comm::run_agreed(world, [&] {
    l.path = checkpoint::find_valid_checkpoint(checkpoint_path, notes);
    l.meta = checkpoint::read_metadata(l.path);
    const auto spec = models::ModelSpec::parse(l.meta.model);
    const auto task =
        l.meta.task == "regression" ? data::Task::kRegression : data::Task::kClassification;
    auto info = data::describe_dataset(data_path);
    if (info.features != l.meta.features)
      throw error(data_path, ": has ", info.features, " features, the model in ", l.path, " takes ",
                  l.meta.features);
    if (info.task != task)
      throw error(data_path, ": is a ", to_string(info.task), " set, the model in ", l.path,
                  " is for ", l.meta.task);
    if (info.rows < world.size())
      throw error(data_path, ": has ", info.rows, " rows, fewer than the ", world.size(), " ranks");
    std::int64_t num_params = 0;
    if (info.sparse) {
      if (spec.name != "logreg")
        throw error(data_path, ": sparse (CSR) data goes with a logreg model, the model in ",
                    l.path, " is '", l.meta.model, "'");
      l.sparse_model = std::make_unique<models::SparseLogisticRegression>(info.features);
      num_params = l.sparse_model->num_keys();
    } else {
      l.model =
          models::make_model<float>(spec, l.meta.features, task, l.meta.num_classes, l.meta.seed);
      num_params = static_cast<std::int64_t>(l.model->num_params());
    }
    if (num_params != l.meta.num_params)
      throw error(l.path, ": holds ", l.meta.num_params, " parameters, its model '", l.meta.model,
                  "' has ", num_params, info.sparse ? " on sparse data" : "");
    l.params.resize(static_cast<std::size_t>(l.meta.num_params));
    std::vector<float> state(static_cast<std::size_t>(l.meta.num_params * l.meta.state_slots));
    checkpoint::read_range(l.path, l.meta, data::RowRange{0, l.meta.num_params}, l.params, state);
    info.num_classes = l.meta.num_classes;  // ids must be classes the model knows
    const auto range = data::balanced_range(info.rows, world.size(), world.rank());
    l.first_row = range.first;
    if (info.sparse)
      l.sparse_shard = data::read_sparse_shard(info, range);
    else
      l.shard = data::read_shard(info, range);
  });
  if (world.rank() == 0)
    for (const auto& note : notes) std::cout << note << "\n";
  return l;
}

constexpr std::int64_t kBlock = 1024;

using ScoresView = Eigen::Map<const data::RowMatrixT<float>>;

// One block of a rank's rows as the model sees them.
struct Block {
  std::int64_t first = 0;  // in this rank's rows
  const float* score_values = nullptr;
  Eigen::Index rows = 0, outputs = 0;
  std::span<const std::int32_t> classes;  // classification
  models::EvalSums sums;
  ScoresView scores() const { return {score_values, rows, outputs}; }
};

// Calls f(block) for each block of this rank's rows, in order.
template <class F>
void for_each_block(Loaded& l, F f) {
  std::vector<std::int64_t> rows, keys;
  std::vector<float> weights, scores;
  for (std::int64_t first = 0; first < l.rows(); first += kBlock) {
    const auto n = std::min(kBlock, l.rows() - first);
    Block b;
    b.first = first;
    if (l.model) {
      const auto batch = l.shard.view(first, n);
      b.sums = l.model->evaluate(l.params, batch);
      const auto& s = l.model->scores(l.params, batch);
      b.score_values = s.data();
      b.rows = s.rows();
      b.outputs = s.cols();
      b.classes = batch.classes;
    } else {
      const auto& x = l.sparse_shard.x;
      rows.resize(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) rows[static_cast<std::size_t>(i)] = first + i;
      l.sparse_model->keys_of(x, rows, keys);
      weights.resize(keys.size());
      for (std::size_t k = 0; k < keys.size(); ++k)
        weights[k] = l.params[static_cast<std::size_t>(keys[k])];
      b.sums = l.sparse_model->evaluate(x, rows, l.sparse_shard.classes, keys, weights);
      l.sparse_model->scores(x, rows, keys, weights, scores);
      b.score_values = scores.data();
      b.rows = n;
      b.outputs = 1;
      b.classes = {l.sparse_shard.classes.data() + first, static_cast<std::size_t>(n)};
    }
    f(b);
  }
}

// The class a row of scores predicts: the largest score, or score > 0 for one output.
Eigen::Index predicted_class(const ScoresView& scores, Eigen::Index row) {
  Eigen::Index best = 0;
  if (scores.cols() == 1)
    best = scores(row, 0) > 0 ? 1 : 0;
  else
    scores.row(row).maxCoeff(&best);
  return best;
}

void run_eval(const std::string& checkpoint_path, const std::string& data_path,
              const comm::Communicator& world) {
  auto l = load(checkpoint_path, data_path, world);
  const bool classification = l.meta.task == "classification";
  const auto c = static_cast<std::size_t>(classification ? l.meta.num_classes : 0);
  std::vector<double> sums(3 + c * c, 0.0);  // loss, correct, rows, then the confusion matrix
  for_each_block(l, [&](const Block& b) {
    sums[0] += b.sums.loss;
    sums[1] += b.sums.correct;
    sums[2] += b.sums.rows;
    if (!classification) return;
    for (Eigen::Index i = 0; i < b.rows; ++i)
      sums[3 + static_cast<std::size_t>(b.classes[static_cast<std::size_t>(i)]) * c +
           static_cast<std::size_t>(predicted_class(b.scores(), i))] += 1;
  });
  world.allreduce(std::span<double>(sums));
  if (world.rank() != 0) return;
  std::printf("eval: %s on %s (%.0f rows, %d ranks)\n", l.path.c_str(), data_path.c_str(), sums[2],
              world.size());
  std::printf("loss %.6f\n", sums[0] / sums[2]);
  if (!classification) {
    std::printf("rmse %.6f\n", std::sqrt(2 * sums[0] / sums[2]));
    return;
  }
  std::printf("accuracy %.6f\nconfusion matrix (rows: true class, columns: predicted)\n",
              sums[1] / sums[2]);
  std::printf("%8s", "");
  for (std::size_t j = 0; j < c; ++j) std::printf(" %7zu", j);
  std::printf("\n");
  for (std::size_t i = 0; i < c; ++i) {
    std::printf("%8zu", i);
    for (std::size_t j = 0; j < c; ++j) std::printf(" %7.0f", sums[3 + i * c + j]);
    std::printf("\n");
  }
  std::fflush(stdout);
}

// Whether a classifier's scores are logits (trained with cross-entropy or the logistic loss), so
// that their softmax is the model's class probabilities; an SVM's margins are not.
bool scores_are_logits(const models::ModelSpec& spec) {
  return spec.name == "logreg" || spec.name == "softmax" ||
         (spec.name == "mlp" && spec.output != "squared");
}

// Row i's class probabilities from its scores: the softmax, or for one output (binary) the
// sigmoid as [P(0), P(1)].
void probabilities_of(const ScoresView& scores, Eigen::Index i, float* out) {
  if (scores.cols() == 1) {
    const float p = 1.0f / (1.0f + std::exp(-scores(i, 0)));
    out[0] = 1.0f - p;
    out[1] = p;
    return;
  }
  const float top = scores.row(i).maxCoeff();
  float sum = 0;
  for (Eigen::Index k = 0; k < scores.cols(); ++k) sum += out[k] = std::exp(scores(i, k) - top);
  for (Eigen::Index k = 0; k < scores.cols(); ++k) out[k] /= sum;
}

void run_predict(const std::string& checkpoint_path, const std::string& data_path,
                 const std::string& out, const comm::Communicator& world) {
  auto l = load(checkpoint_path, data_path, world);
  const bool classification = l.meta.task == "classification";
  const bool probabilities =
      classification && scores_are_logits(models::ModelSpec::parse(l.meta.model));
  const auto rows = static_cast<hsize_t>(l.model ? l.shard.info.rows : l.sparse_shard.info.rows);
  // Each rank writes its own rows of one file (parallel HDF5).
  write_output_file(out, world, [&](const std::string& path) {
    const auto file = h5::File::create_parallel(path, world.native());
    const auto outputs =
        static_cast<hsize_t>(l.model ? l.model->scores(l.params, l.shard.view(0, 0)).cols() : 1);
    const auto scores_ds = file.create_dataset<float>("scores", {rows, outputs}, {}, 0);
    const auto predictions_ds =
        classification ? file.create_dataset<std::int32_t>("predictions", {rows}, {}, 0)
                       : file.create_dataset<float>("predictions", {rows}, {}, 0);
    const auto classes = static_cast<hsize_t>(std::max<std::int64_t>(l.meta.num_classes, 2));
    std::optional<h5::Dataset> probabilities_ds;
    if (probabilities)
      probabilities_ds = file.create_dataset<float>("probabilities", {rows, classes}, {}, 0);
    file.set_attribute("checkpoint", l.path);
    file.set_attribute("data", data_path);
    file.set_attribute("predictions", classification ? "the predicted class of each row"
                                                     : "the predicted value of each row");
    file.set_attribute("scores", !classification ? "the model's output (the prediction)"
                                 : probabilities ? "the model's raw outputs: logits"
                                                 : "the model's raw outputs: margins");
    if (probabilities)
      file.set_attribute("probabilities",
                         "P(class k | row), one column per class: the softmax of the scores (one "
                         "score: its sigmoid as P(1), and P(0) = 1 - P(1))");
    for_each_block(l, [&](const Block& b) {
      const auto n = b.rows;
      const auto at = static_cast<hsize_t>(l.first_row + b.first);
      scores_ds.write_block<float>({at, 0}, {static_cast<hsize_t>(n), outputs},
                                   {b.score_values, static_cast<std::size_t>(n * b.outputs)});
      if (classification) {
        std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
        for (Eigen::Index i = 0; i < n; ++i)
          ids[static_cast<std::size_t>(i)] =
              static_cast<std::int32_t>(predicted_class(b.scores(), i));
        predictions_ds.write_block<std::int32_t>({at}, {static_cast<hsize_t>(n)}, ids);
        if (probabilities_ds) {
          std::vector<float> p(static_cast<std::size_t>(n) * classes);
          for (Eigen::Index i = 0; i < n; ++i)
            probabilities_of(b.scores(), i, p.data() + static_cast<std::size_t>(i) * classes);
          probabilities_ds->write_block<float>({at, 0}, {static_cast<hsize_t>(n), classes}, p);
        }
      } else {
        std::vector<float> values(b.score_values, b.score_values + n);
        predictions_ds.write_block<float>({at}, {static_cast<hsize_t>(n)}, values);
      }
    });
  });
  if (world.rank() != 0) return;
  std::cout << "wrote " << out << " (" << rows << " rows): /predictions ("
            << (classification ? "class ids" : "values") << "), /scores ("
            << (!classification ? "the same values"
                : probabilities ? "logits"
                                : "margins")
            << ")"
            << (probabilities ? ", /probabilities (softmax of the scores, one column per class)"
                              : "")
            << std::endl;
}

void run_inspect(const std::string& path, const comm::Communicator& world) {
  comm::run_agreed(world, [&] {
    if (world.rank() != 0) return;
    std::vector<std::string> notes;
    const auto file = checkpoint::find_valid_checkpoint(path, notes);
    for (const auto& note : notes) std::cout << note << "\n";
    const auto m = checkpoint::read_metadata(file);
    std::cout << "checkpoint      " << file << " (checksums verified)\n"
              << "model           " << m.model << ", " << m.num_params << " parameters, "
              << m.features << " features, " << m.num_classes << " classes (" << m.task << ")\n"
              << "optimizer       " << m.optimizer << ", step " << m.optimizer_step << ", "
              << m.state_slots << " state slots\n"
              << "position        epoch " << m.epoch << ", step " << m.step_in_epoch
              << " of the next epoch, global step " << m.global_step << ", seed " << m.seed << "\n"
              << "written by      " << m.mode << ", " << m.world_size << " ranks (" << m.workers
              << " workers, " << m.servers << " servers)\n";
    // The run's configuration: TOML (psml train --config reads it), its settings without their
    // comments; a one-line text in checkpoints of older psml versions.
    std::cout << "configuration\n";
    std::istringstream lines(m.config);
    for (std::string line; std::getline(lines, line);)
      if (!line.empty() && line.front() != '#') std::cout << "  " << line << "\n";
    std::cout.flush();
  });
}

}  // namespace

void add_model_commands(CLI::App& app, Action& action) {
  struct Options {
    std::string checkpoint, data, out;
  };
  auto o = std::make_shared<Options>();
  auto* eval = app.add_subcommand(
      "eval", "loss, accuracy and confusion matrix of a checkpoint on a data file");
  eval->add_option("--model-file,--checkpoint", o->checkpoint,
                   "a saved model (--save-model) or checkpoint file, or a checkpoint directory "
                   "(its newest valid one)")
      ->required();
  eval->add_option("--data", o->data, "data file (HDF5)")->required();
  eval->callback([o, &action] {
    action = [o](const comm::Communicator& world) { run_eval(o->checkpoint, o->data, world); };
  });
  auto* predict =
      app.add_subcommand("predict", "write a checkpoint's predictions for a data file to HDF5");
  predict
      ->add_option("--model-file,--checkpoint", o->checkpoint,
                   "a saved model (--save-model) or checkpoint file, or a checkpoint directory; "
                   "or a fitted k-means or mixture model (psml fit)")
      ->required();
  predict->add_option("--data", o->data, "data file (HDF5)")->required();
  predict->add_option("--out", o->out, "predictions file to write: /predictions, /scores")
      ->required();
  predict->callback([o, &action] {
    action = [o](const comm::Communicator& world) {
      if (is_fitted_model(o->checkpoint, world))
        run_fitted_predict(o->checkpoint, o->data, o->out, world);
      else
        run_predict(o->checkpoint, o->data, o->out, world);
    };
  });
  auto* ckpt = app.add_subcommand("checkpoint", "work with checkpoints");
  ckpt->require_subcommand(1);
  auto* inspect = ckpt->add_subcommand("inspect", "print what a checkpoint holds (and verify it)");
  inspect->add_option("path", o->checkpoint, "checkpoint file or directory")->required();
  inspect->callback([o, &action] {
    action = [o](const comm::Communicator& world) { run_inspect(o->checkpoint, world); };
  });
}

}  // namespace psml::cli
