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
  // Sizes the buffers for steps of up to `rows` rows of `columns` features.
  void reserve(Eigen::Index rows, Eigen::Index columns);

 private:
  RowBuffer<float> x_;
  std::vector<std::int32_t> classes_;
  std::vector<float> targets_;
};

}  // namespace psml::data
