// --standardize: the per-feature figures a run trains with (data/standardization.hpp), computed
// over every worker's training rows, or a resumed run's, read from its checkpoint.
#pragma once

#include <string>

#include "psml/comm/communicator.hpp"
#include "psml/data/csr.hpp"
#include "psml/data/row_range.hpp"
#include "psml/data/schema.hpp"
#include "psml/data/shard.hpp"
#include "psml/data/standardization.hpp"

namespace psml::train {

// The figures of every worker's training rows `train` (this worker's `rows` of the file `info`
// describes; `streamed`: dense rows read from the file in pieces, as a streamed shard holds none),
// in float64, summed over the workers in two passes (the mean, then the squared deviations from
// it). Dense rows are centred and scaled, CSR rows only scaled. Collective over `workers`: a
// failure to read is thrown after the collectives, which every worker runs alike.
data::Standardization training_standardization(const data::Shard& train, bool streamed,
                                               const data::DatasetInfo& info, data::RowRange rows,
                                               const comm::Communicator& workers);
data::Standardization training_standardization(const data::SparseShard& train, bool streamed,
                                               const data::DatasetInfo& info, data::RowRange rows,
                                               const comm::Communicator& workers);

// A resumed run's figures: its checkpoint's, never computed again (the model's weights are for
// inputs standardized by exactly these). Throws psml::Error for a checkpoint trained without.
data::Standardization saved_standardization(const std::string& path);

}  // namespace psml::train
