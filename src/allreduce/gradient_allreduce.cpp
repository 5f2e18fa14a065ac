#include "psml/allreduce/gradient_allreduce.hpp"

#include <cmath>

namespace psml::allreduce {

GradientAllreduce::GradientAllreduce(const comm::Communicator& comm, std::size_t num_params)
    : comm_(comm), num_params_(num_params), buffer_(num_params + 2, 0.0f) {}

StepTotals GradientAllreduce::reduce(double local_loss, std::int64_t local_rows) {
  // Row counts stay exact in float32 up to 2^24 rows per global batch.
  buffer_[num_params_] = static_cast<float>(local_loss);
  buffer_[num_params_ + 1] = static_cast<float>(local_rows);
  comm_.allreduce(std::span<float>(buffer_));
  StepTotals totals{buffer_[num_params_], std::llround(buffer_[num_params_ + 1])};
  const float inverse = totals.rows > 0 ? 1.0f / static_cast<float>(totals.rows) : 0.0f;
  for (std::size_t i = 0; i < num_params_; ++i) buffer_[i] *= inverse;
  return totals;
}

}  // namespace psml::allreduce
