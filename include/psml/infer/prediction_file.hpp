// Prediction files: a predictor's outputs for every row of a data file, one HDF5 file that every
// rank writes its own rows of (parallel HDF5), readable with h5py:
//   /predictions  each row's class, cluster or component (int32), or predicted value (float)
//   /scores       rows x score columns (float): logits, margins or the value (a trained model),
//                 squared distances (k-means), responsibilities (GMM), joint log-likelihoods
//                 (naive Bayes)
//   /probabilities  P(class | row), rows x classes, where the model has them
//   /std          the predictive standard deviation (Bayesian linear regression)
//   /predicted_labels  each row's class as the training data's label, where the model has class
//                 names (labels that were not the ids): int64 or float64 where they are numbers,
//                 else fixed-length UTF-8 strings
//   /labels       the data's labels, for psml fit's clusterers and classifiers
// and attributes naming the model and the data file, and what each dataset holds.
#pragma once

#include <string>

#include "psml/comm/communicator.hpp"
#include "psml/data/h5.hpp"
#include "psml/infer/local_rows.hpp"
#include "psml/infer/predictor.hpp"

namespace psml::infer {

// Creates `path` (parallel HDF5 over `world`) and writes the predictions for every rank's `rows`
// into it. `model_path` names the model file in the file's attributes. Collective; throws
// psml::Error on the failing rank (callers agree on failure, as cli's write_output_file does).
void write_prediction_file(const std::string& path, Predictor& predictor, const LocalRows& rows,
                           const std::string& model_path, const comm::Communicator& world);

// Copies this rank's rows' labels of a dense shard (if it has any) into /labels of a file being
// written in parallel, with the task and class-count attributes of psml's data files: an output
// of a fitted model keeps the labels of its input. Collective over the file's ranks.
void write_labels(const h5::File& file, const data::Shard& shard);

}  // namespace psml::infer
