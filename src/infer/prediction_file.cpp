#include "psml/infer/prediction_file.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace psml::infer {
namespace {

using Descriptions = std::vector<std::pair<const char*, const char*>>;

// The attributes saying what a kind's datasets hold.
Descriptions descriptions(const Predictor& p) {
  const bool classification = p.classes() > 0;
  switch (p.kind()) {
    case PredictorKind::kTrained: {
      Descriptions d{{"predictions", classification ? "the predicted class of each row"
                                                    : "the predicted value of each row"},
                     {"scores", !classification         ? "the model's output (the prediction)"
                                : p.has_probabilities() ? "the model's raw outputs: logits"
                                                        : "the model's raw outputs: margins"}};
      if (p.has_probabilities())
        d.emplace_back("probabilities",
                       "P(class k | row), one column per class: the softmax of the scores (one "
                       "score: its sigmoid as P(1), and P(0) = 1 - P(1))");
      return d;
    }
    case PredictorKind::kNaiveBayes:
      return {{"scores", "joint log-likelihoods log P(k) + log p(x | k)"}};
    case PredictorKind::kBayesLinreg:
      return {{"predictions", "the predictive mean of each row"},
              {"std", "the predictive standard deviation of each row (noise included)"}};
    case PredictorKind::kKMeans:
    case PredictorKind::kGmm:
      return {};
  }
  return {};
}

// The datasets of a prediction file, created collectively.
struct Datasets {
  std::optional<h5::Dataset> scores, predictions, probabilities, std;
  bool class_ids = false;  // /predictions: class ids, else values
};

Datasets create_datasets(const h5::File& file, const Predictor& p, hsize_t rows) {
  Datasets d;
  d.class_ids = p.classes() > 0;
  const auto columns = static_cast<hsize_t>(p.score_columns());
  const auto classes = static_cast<hsize_t>(p.classes());
  if (columns > 0) d.scores = file.create_dataset<float>("scores", {rows, columns}, {}, 0);
  d.predictions = d.class_ids ? file.create_dataset<std::int32_t>("predictions", {rows}, {}, 0)
                              : file.create_dataset<float>("predictions", {rows}, {}, 0);
  if (p.has_probabilities())
    d.probabilities = file.create_dataset<float>("probabilities", {rows, classes}, {}, 0);
  if (p.has_std()) d.std = file.create_dataset<float>("std", {rows}, {}, 0);
  return d;
}

void write_block(const Datasets& d, const Predictions& out, hsize_t at, hsize_t n) {
  if (d.scores)
    d.scores->write_block<float>({at, 0}, {n, static_cast<hsize_t>(out.scores.cols())},
                                 {out.scores.data(), static_cast<std::size_t>(out.scores.size())});
  if (d.probabilities)
    d.probabilities->write_block<float>(
        {at, 0}, {n, static_cast<hsize_t>(out.probabilities.cols())},
        {out.probabilities.data(), static_cast<std::size_t>(out.probabilities.size())});
  if (d.class_ids) {
    d.predictions->write_block<std::int32_t>({at}, {n}, out.classes);
  } else {
    const Eigen::VectorXf values = out.values.cast<float>();
    d.predictions->write_block<float>({at}, {n}, {values.data(), static_cast<std::size_t>(n)});
  }
  if (d.std) {
    const Eigen::VectorXf std = out.std.cast<float>();
    d.std->write_block<float>({at}, {n}, {std.data(), static_cast<std::size_t>(n)});
  }
}

}  // namespace

void write_prediction_file(const std::string& path, Predictor& predictor, const LocalRows& rows,
                           const std::string& model_path, const comm::Communicator& world) {
  const auto file = h5::File::create_parallel(path, world.native());
  const auto datasets = create_datasets(file, predictor, static_cast<hsize_t>(rows.info().rows));
  const bool trained = predictor.kind() == PredictorKind::kTrained;
  file.set_attribute(trained ? "checkpoint" : "model", model_path);
  file.set_attribute("data", rows.info().path);
  for (const auto& [name, text] : descriptions(predictor)) file.set_attribute(name, text);
  // psml fit's clusterers and classifiers keep the data's labels beside their outputs.
  if (!trained && predictor.kind() != PredictorKind::kBayesLinreg && rows.dense())
    write_labels(file, *rows.dense());
  const auto first = static_cast<hsize_t>(rows.range().first);
  predict_blocks(predictor, rows, predictor.block_rows(),
                 [&](std::int64_t at, std::int64_t n, const Predictions& out) {
                   write_block(datasets, out, first + static_cast<hsize_t>(at),
                               static_cast<hsize_t>(n));
                 });
}

void write_labels(const h5::File& file, const data::Shard& shard) {
  if (!shard.info.has_labels) return;
  const auto rows = static_cast<hsize_t>(shard.info.rows);
  const bool classes = shard.info.task == data::Task::kClassification;
  const auto labels = classes
                          ? file.create_dataset<std::int32_t>(data::kLabelsDataset, {rows}, {}, 0)
                          : file.create_dataset<float>(data::kLabelsDataset, {rows}, {}, 0);
  file.set_attribute(data::kTaskAttribute, data::to_string(shard.info.task));
  if (shard.info.num_classes > 0)
    file.set_attribute(data::kNumClassesAttribute, shard.info.num_classes);
  const auto first = static_cast<hsize_t>(shard.rows.first);
  const auto count = static_cast<hsize_t>(shard.rows.count);
  if (classes)
    labels.write_block<std::int32_t>({first}, {count},
                                     {shard.classes.data(), static_cast<std::size_t>(count)});
  else
    labels.write_block<float>({first}, {count},
                              {shard.targets.data(), static_cast<std::size_t>(count)});
}

}  // namespace psml::infer
