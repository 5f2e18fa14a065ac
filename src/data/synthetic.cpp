#include "psml/data/synthetic.hpp"

#include <algorithm>
#include <random>
#include <vector>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"
#include "psml/data/dataset_writer.hpp"

namespace psml::data {

void write_synthetic(const SyntheticSpec& spec, const std::string& out) {
  if (spec.rows < 1) throw error("--rows must be >= 1, got ", spec.rows);
  if (spec.features < 1) throw error("--features must be >= 1, got ", spec.features);
  if (spec.task == Task::kClassification && spec.classes < 2)
    throw error("--classes must be >= 2, got ", spec.classes);

  auto rng = make_rng(spec.seed, RngPurpose::kSynthetic);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const auto d = static_cast<std::size_t>(spec.features);

  // Class centres, or the true regression weights (last entry: bias).
  const std::size_t centres = spec.task == Task::kClassification ? spec.classes : 1;
  std::vector<float> centre(centres * d + 1);
  for (auto& v : centre)
    v = normal(rng) * (spec.task == Task::kClassification ? spec.separation : 1.0f);
  std::uniform_int_distribution<std::int32_t> pick(0, static_cast<std::int32_t>(spec.classes) - 1);

  DatasetWriter writer(out, spec.rows, spec.features, spec.task, spec.classes);
  const std::int64_t block_rows = std::max<std::int64_t>(1, (1 << 20) / spec.features);
  std::vector<float> x;
  std::vector<std::int32_t> classes;
  std::vector<float> targets;
  for (std::int64_t first = 0; first < spec.rows; first += block_rows) {
    const std::int64_t n = std::min(block_rows, spec.rows - first);
    x.resize(static_cast<std::size_t>(n) * d);
    classes.resize(static_cast<std::size_t>(n));
    targets.resize(static_cast<std::size_t>(n));
    for (std::int64_t r = 0; r < n; ++r) {
      float* row = x.data() + r * spec.features;
      if (spec.task == Task::kClassification) {
        const std::int32_t c = pick(rng);
        classes[r] = c;
        for (std::size_t j = 0; j < d; ++j) row[j] = centre[c * d + j] + normal(rng);
      } else {
        float y = centre[d];
        for (std::size_t j = 0; j < d; ++j) {
          row[j] = normal(rng);
          y += row[j] * centre[j];
        }
        targets[r] = y + spec.noise * normal(rng);
      }
    }
    if (spec.task == Task::kClassification)
      writer.write_rows(first, x, classes);
    else
      writer.write_rows(first, x, targets);
  }
  if (spec.task == Task::kRegression) {
    const auto w = writer.file().create_dataset<float>("true_weights", {d}, {}, 0);
    w.write_rows<float>(0, d, {centre.data(), d});
    const auto b = writer.file().create_dataset<float>("true_bias", {1}, {}, 0);
    b.write_rows<float>(0, 1, {centre.data() + d, 1});
  }
}

}  // namespace psml::data
