#include "psml/infer/prediction_file.hpp"

#include <charconv>
#include <optional>
#include <utility>
#include <vector>

#include "psml/core/error.hpp"

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

// /predicted_labels: each row's class as the user's label. Labels that are all integers (-1/+1,
// 3/7) or all numbers are written as int64 or float64; any other, as fixed-length UTF-8 strings
// (h5py: f["predicted_labels"].asstr()[:]), which every rank can write its rows of in parallel
// (variable-length data cannot be written in parallel).
class LabelWriter {
 public:
  LabelWriter(const h5::File& file, std::span<const std::string> names, hsize_t rows)
      : names_(names) {
    bool integers = true, numbers = true;
    for (const auto& name : names) {
      std::int64_t i = 0;
      double d = 0;
      const auto* end = name.data() + name.size();
      integers = integers && !name.empty() && std::from_chars(name.data(), end, i).ptr == end;
      numbers = numbers && !name.empty() && std::from_chars(name.data(), end, d).ptr == end;
      ints_.push_back(i);
      doubles_.push_back(d);
      width_ = std::max(width_, name.size());
    }
    kind_ = integers ? Kind::kInt : numbers ? Kind::kDouble : Kind::kText;
    if (kind_ == Kind::kInt) ds_.emplace(file.create_dataset<std::int64_t>(kName, {rows}, {}, 0));
    if (kind_ == Kind::kDouble) ds_.emplace(file.create_dataset<double>(kName, {rows}, {}, 0));
    if (kind_ != Kind::kText) return;
    type_ = h5::Handle(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type_.id(), std::max<std::size_t>(width_, 1));
    H5Tset_strpad(type_.id(), H5T_STR_NULLPAD);
    H5Tset_cset(type_.id(), H5T_CSET_UTF8);
    h5::Handle space(H5Screate_simple(1, &rows, nullptr), H5Sclose);
    text_ = h5::Handle(
        H5Dcreate2(file.id(), kName, type_.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose);
    if (!text_.valid()) throw error(file.path(), ": cannot create dataset '/", kName, "'");
    path_ = file.path();
  }

  void write(std::span<const std::int32_t> classes, hsize_t at) {
    const auto n = static_cast<hsize_t>(classes.size());
    const auto at_class = [&](auto& table, std::size_t i) { return table[classes[i]]; };
    if (kind_ == Kind::kInt) {
      std::vector<std::int64_t> v(classes.size());
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = at_class(ints_, i);
      ds_->write_block<std::int64_t>({at}, {n}, v);
    } else if (kind_ == Kind::kDouble) {
      std::vector<double> v(classes.size());
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = at_class(doubles_, i);
      ds_->write_block<double>({at}, {n}, v);
    } else {
      write_text(classes, at, n);
    }
  }

 private:
  enum class Kind { kInt, kDouble, kText };
  static constexpr const char* kName = "predicted_labels";

  void write_text(std::span<const std::int32_t> classes, hsize_t at, hsize_t n) {
    const auto width = std::max<std::size_t>(width_, 1);
    std::string bytes(classes.size() * width, '\0');
    for (std::size_t i = 0; i < classes.size(); ++i) {
      const auto& name = names_[static_cast<std::size_t>(classes[i])];
      bytes.replace(i * width, name.size(), name);
    }
    h5::Handle file_space(H5Dget_space(text_.id()), H5Sclose);
    H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, &at, nullptr, &n, nullptr);
    h5::Handle mem_space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    if (n > 0 && H5Dwrite(text_.id(), type_.id(), mem_space.id(), file_space.id(), H5P_DEFAULT,
                          bytes.data()) < 0)
      throw error(path_, ":/", kName, ": cannot write");
  }

  std::span<const std::string> names_;
  std::vector<std::int64_t> ints_;
  std::vector<double> doubles_;
  std::size_t width_ = 0;
  Kind kind_ = Kind::kText;
  std::optional<h5::Dataset> ds_;
  h5::Handle type_, text_;
  std::string path_;
};

}  // namespace

void write_prediction_file(const std::string& path, Predictor& predictor, const LocalRows& rows,
                           const std::string& model_path, const comm::Communicator& world) {
  const auto file = h5::File::create_parallel(path, world.native());
  const auto datasets = create_datasets(file, predictor, static_cast<hsize_t>(rows.info().rows));
  std::optional<LabelWriter> labels;
  if (!predictor.class_names().empty()) {
    labels.emplace(file, predictor.class_names(), static_cast<hsize_t>(rows.info().rows));
    file.set_attribute("predicted_labels",
                       "the predicted class of each row as the training data's label");
  }
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
                   if (labels) labels->write(out.classes, first + static_cast<hsize_t>(at));
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
