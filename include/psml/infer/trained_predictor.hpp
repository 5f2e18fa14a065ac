// The predictor of a model trained by psml train, read from a checkpoint or a saved model
// (--save-model): the model's scores, and what its loss (models/loss_head.hpp) makes of them —
// the predicted class, and class probabilities where the scores are logits. Dense rows go to the
// model itself; CSR rows to a linear model's sparse form (models/sparse_linear.hpp), computed on
// the keys each block touches.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/core/aligned.hpp"
#include "psml/data/schema.hpp"
#include "psml/infer/predictor.hpp"
#include "psml/models/model.hpp"
#include "psml/models/sparse_linear.hpp"

namespace psml::infer {

// The predictor of a model and its parameters in memory, for dense rows; `num_classes` of a
// classifier (a binary one may have one output).
std::unique_ptr<Predictor> make_trained_predictor(std::unique_ptr<models::Model> model,
                                                  AlignedVector<float> params,
                                                  std::int64_t features, std::int64_t num_classes);
// The same for a linear model on CSR rows.
std::unique_ptr<Predictor> make_trained_predictor(
    std::unique_ptr<models::SparseLinearModel<float>> model, AlignedVector<float> params,
    std::int64_t features, std::int64_t num_classes, data::Task task);

// A trained model checked against a data file, ready to predict for its rows.
struct TrainedModel {
  std::string path;  // the checkpoint file read (of a directory: its newest valid one)
  checkpoint::Metadata meta;
  data::DatasetInfo data;  // the data file; its class ids must be classes the model knows
  std::unique_ptr<Predictor> predictor;
};

// Reads the model of a checkpoint file or directory (`notes`: why newer checkpoints of a
// directory were skipped) for the rows of `data_path`, dense or CSR. Throws psml::Error naming
// both when they do not go together: the features, the task, CSR data for a model that is not
// linear, or a parameter count the model does not have. Labels::kOptional (predictions): a dense
// file may have no /labels. The predictor gives the model's class names and applies the
// standardisation it was trained with (checkpoint::Metadata).
TrainedModel load_trained_model(const std::string& path, const std::string& data_path,
                                std::vector<std::string>& notes,
                                data::Labels labels = data::Labels::kRequired,
                                const data::DatasetNames& names = {});

}  // namespace psml::infer
