// A step's rows gathered from a shard into contiguous memory, so the model's matrix products run
// on one dense block. The buffers are reused from step to step: no allocation once they have
// reached the largest batch.
#pragma once

#include <cstdint>
#include <vector>

#include "psml/data/row_buffer.hpp"
#include "psml/data/shard.hpp"

namespace psml::data {

class BatchBuffer {
 public:
  // Copies rows `rows` (indices into the shard) and their labels; the view is valid until the
  // next call.
  BatchView gather(const Shard& shard, const std::vector<std::int64_t>& rows);
  // Copies `n` > 0 rows, row i from where locate(i) says: (the shard, its row). Every shard has
  // the same columns and kind of label.
  template <class Locate>
  BatchView gather(Eigen::Index n, Locate&& locate);
  // Sizes the buffers for steps of up to `rows` rows of `columns` features.
  void reserve(Eigen::Index rows, Eigen::Index columns);

 private:
  RowBuffer<float> x_;
  std::vector<std::int32_t> classes_;
  std::vector<float> targets_;
};

template <class Locate>
BatchView BatchBuffer::gather(Eigen::Index n, Locate&& locate) {
  const Shard& some = *locate(std::size_t{0}).first;
  auto x = x_.rows(n, some.x.cols());
  const bool classes = some.classes.size() > 0;
  classes_.resize(classes ? static_cast<std::size_t>(n) : 0);
  targets_.resize(classes ? 0 : static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto [shard, row] = locate(static_cast<std::size_t>(i));
    x.row(i) = shard->x.row(row);
    if (classes)
      classes_[static_cast<std::size_t>(i)] = shard->classes[row];
    else
      targets_[static_cast<std::size_t>(i)] = shard->targets[row];
  }
  BatchView view{ConstRowsMap(x.data(), n, x.cols()), {}, {}};
  if (classes)
    view.classes = classes_;
  else
    view.targets = targets_;
  return view;
}

}  // namespace psml::data
