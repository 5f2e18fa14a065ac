#include "psml/infer/trained_predictor.hpp"

#include <algorithm>
#include <variant>

#include "psml/core/aligned.hpp"
#include "psml/core/error.hpp"
#include "psml/models/loss_head.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/models/sparse_linear.hpp"

namespace psml::infer {
namespace {

using SparseModel = models::SparseLinearModel<float>;

class TrainedPredictor final : public Predictor {
 public:
  using Model = std::variant<std::unique_ptr<models::Model>, std::unique_ptr<SparseModel>>;

  TrainedPredictor(Model model, AlignedVector<float> params, std::int64_t features,
                   std::int64_t num_classes, data::Task task)
      : model_(std::move(model)),
        params_(std::move(params)),
        features_(features),
        classes_(task == data::Task::kClassification ? std::max<std::int64_t>(num_classes, 2) : 0) {
    if (const auto* dense = std::get_if<0>(&model_)) {
      loss_ = (*dense)->loss();
      outputs_ = (*dense)->scores(params_, data::BatchView{{nullptr, 0, features_}, {}, {}}).cols();
    } else {
      loss_ = std::get<1>(model_)->loss();
      outputs_ = std::get<1>(model_)->outputs();
    }
  }

  PredictorKind kind() const override { return PredictorKind::kTrained; }
  std::int64_t features() const override { return features_; }
  std::int64_t score_columns() const override { return outputs_; }
  std::int64_t classes() const override { return classes_; }
  bool has_probabilities() const override {
    return classes_ > 0 && models::gives_probabilities(loss_);
  }
  bool has_std() const override { return false; }
  std::int64_t block_rows() const override { return 1024; }
  std::span<const std::string> class_names() const override { return class_names_; }

  // What the model was trained with: the user's labels of its classes, the standardisation of
  // its inputs (applied here to every block, as training applied it to every row).
  void set_training(std::vector<std::string> class_names, data::Standardization standardization) {
    class_names_ = std::move(class_names);
    standardization_ = std::move(standardization);
  }

  void predict(const RowBlock& rows, Predictions& out) override {
    const auto scores = this->scores(rows);
    out.scores = scores;
    if (classes_ == 0) {
      out.values = scores.col(0).cast<double>();
      return;
    }
    out.classes.resize(static_cast<std::size_t>(scores.rows()));
    for (Eigen::Index i = 0; i < scores.rows(); ++i)
      out.classes[static_cast<std::size_t>(i)] = models::predicted_class(loss_, scores, i);
    if (!has_probabilities()) return;
    models::class_probabilities(loss_, scores, out.probabilities);
    models::class_log_probabilities(loss_, scores, out.log_probabilities);
  }

 private:
  data::ConstRowsMap scores(const RowBlock& rows) {
    if (const auto* x = std::get_if<data::ConstRowsMap>(&rows)) {
      const auto* dense = std::get_if<0>(&model_);
      if (!dense) throw error("a model read for CSR rows was given dense rows");
      if (standardization_.empty()) return (*dense)->scores(params_, data::BatchView{*x, {}, {}});
      x_ = *x;
      standardization_.apply(x_);
      return (*dense)->scores(
          params_, data::BatchView{data::ConstRowsMap(x_.data(), x_.rows(), x_.cols()), {}, {}});
    }
    auto csr = std::get<CsrBlock>(rows);
    const auto* sparse = std::get_if<1>(&model_);
    if (!sparse) throw error("CSR rows go with a linear model read for them");
    if (!standardization_.empty()) csr = scaled_copy(csr);
    rows_.resize(static_cast<std::size_t>(csr.count));
    for (std::int64_t i = 0; i < csr.count; ++i) rows_[static_cast<std::size_t>(i)] = csr.first + i;
    (*sparse)->keys_of(*csr.x, rows_, keys_);
    SparseModel::gather(keys_, params_, weights_);
    return (*sparse)->scores(*csr.x, rows_, keys_, weights_);
  }

  // The block's rows copied into csr_ and scaled, as rows 0..count of it.
  CsrBlock scaled_copy(const CsrBlock& block) {
    const auto& x = *block.x;
    const auto begin = x.indptr[static_cast<std::size_t>(block.first)];
    const auto end = x.indptr[static_cast<std::size_t>(block.first + block.count)];
    csr_.indptr.assign(x.indptr.begin() + block.first,
                       x.indptr.begin() + block.first + block.count + 1);
    for (auto& offset : csr_.indptr) offset -= begin;
    csr_.indices.assign(x.indices.begin() + begin, x.indices.begin() + end);
    csr_.values.assign(x.values.begin() + begin, x.values.begin() + end);
    standardization_.apply(csr_);
    return {&csr_, 0, block.count};
  }

  Model model_;
  AlignedVector<float> params_;
  std::int64_t features_, classes_, outputs_ = 0;
  models::LossKind loss_ = models::LossKind::kSquared;
  std::vector<std::int64_t> rows_, keys_;  // a CSR block's rows, the keys they touch
  std::vector<float> weights_;             // those keys' weights
  std::vector<std::string> class_names_;
  data::Standardization standardization_;
  data::RowMatrix x_;  // a dense block, standardized
  data::CsrRows csr_;  // a CSR block, scaled
};

}  // namespace

std::unique_ptr<Predictor> make_trained_predictor(std::unique_ptr<models::Model> model,
                                                  AlignedVector<float> params,
                                                  std::int64_t features, std::int64_t num_classes) {
  const auto task = model->task();
  return std::make_unique<TrainedPredictor>(std::move(model), std::move(params), features,
                                            num_classes, task);
}

std::unique_ptr<Predictor> make_trained_predictor(std::unique_ptr<SparseModel> model,
                                                  AlignedVector<float> params,
                                                  std::int64_t features, std::int64_t num_classes,
                                                  data::Task task) {
  return std::make_unique<TrainedPredictor>(std::move(model), std::move(params), features,
                                            num_classes, task);
}

TrainedModel load_trained_model(const std::string& path, const std::string& data_path,
                                std::vector<std::string>& notes, data::Labels labels,
                                const data::DatasetNames& names) {
  TrainedModel t;
  t.path = checkpoint::find_valid_checkpoint(path, notes);
  t.meta = checkpoint::read_metadata(t.path);
  const auto& meta = t.meta;
  const auto spec = models::ModelSpec::parse(meta.model);
  const auto task =
      meta.task == "regression" ? data::Task::kRegression : data::Task::kClassification;
  // The file's labels are read as the model's classes: the reader maps the user's labels (of this
  // file) onto the ids the model was trained with.
  data::DescribeOptions options;
  options.labels = labels;
  options.names = names;
  options.task = task;
  if (task == data::Task::kClassification)
    options.classes = data::KnownClasses{meta.num_classes, meta.class_names};
  t.data = data::describe_dataset(data_path, options);
  // Predictions read no labels of a dense file (CSR files are read with theirs).
  if (labels == data::Labels::kOptional && !t.data.sparse) t.data.has_labels = false;
  if (!t.data.has_labels) t.data.task = task;  // rows to predict for, of the model's task
  const auto& info = t.data;
  if (info.features != meta.features)
    throw error(data_path, ": has ", info.features, " features, the model in ", t.path, " takes ",
                meta.features);
  if (info.task != task)
    throw error(data_path, ": is a ", to_string(info.task), " set, the model in ", t.path,
                " is for ", meta.task);
  TrainedPredictor::Model model;
  std::int64_t num_params = 0;
  if (info.sparse) {
    if (!models::is_linear_model(spec.name))
      throw error(data_path, ": sparse (CSR) data goes with a linear model, the model in ", t.path,
                  " is '", meta.model, "'");
    auto sparse = models::make_sparse_model<float>(spec, info.features, task, meta.num_classes);
    num_params = sparse->num_keys();
    model = std::move(sparse);
  } else {
    auto dense = models::make_model<float>(spec, meta.features, task, meta.num_classes, meta.seed);
    num_params = static_cast<std::int64_t>(dense->num_params());
    model = std::move(dense);
  }
  if (num_params != meta.num_params)
    throw error(t.path, ": holds ", meta.num_params, " parameters, its model '", meta.model,
                "' has ", num_params, info.sparse ? " on sparse data" : "");
  AlignedVector<float> params(static_cast<std::size_t>(meta.num_params));
  std::vector<float> state(static_cast<std::size_t>(meta.num_params * meta.state_slots));
  checkpoint::read_range(t.path, meta, data::RowRange{0, meta.num_params}, params, state);
  t.data.num_classes = meta.num_classes;
  auto predictor = std::make_unique<TrainedPredictor>(std::move(model), std::move(params),
                                                      meta.features, meta.num_classes, task);
  predictor->set_training(meta.class_names, meta.standardization);
  t.predictor = std::move(predictor);
  return t;
}

}  // namespace psml::infer
