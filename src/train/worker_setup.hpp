// A worker's set-up: its rows of the training (and test, validation) data in a learner, and the
// exchange built for the learner's step protocol, given as the bodies of the declared set-up
// phases (psml/train/setup_phases.hpp) that the servers walk too.
#pragma once

#include <memory>
#include <variant>
#include <vector>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/core/aligned.hpp"
#include "psml/core/matrix_block.hpp"
#include "psml/data/row_range.hpp"
#include "psml/exchange/exchange.hpp"
#include "psml/ps/shared_payloads.hpp"
#include "psml/train/learner.hpp"
#include "psml/train/setup_phases.hpp"
#include "run_context.hpp"

namespace psml::train {

// A worker's exchange, in the protocol of its learner.
using AnyExchange = std::variant<std::unique_ptr<exchange::DenseExchange>,
                                 std::unique_ptr<exchange::KeyedExchange>>;

// Where a resumed run continues (all zeros: from the start).
struct Position {
  std::int64_t epoch = 0;        // epochs done
  std::int64_t step = 0;         // steps done in that epoch
  std::int64_t global_step = 0;  // steps done in the run
};

struct WorkerSetup {
  data::DatasetInfo info;  // of the training data (rows: those that train)
  data::RowRange rows;     // this worker's rows of it
  std::int64_t num_classes = 0;
  data::Standardization standardization;  // --standardize: of the training rows; empty without
  std::unique_ptr<Learner> learner;
  std::unique_ptr<ps::SharedPayloads> shared;  // ps: payloads through shared memory, or null
  std::vector<MatrixBlock> matrices;           // ps with powersgd: the model's weight matrices
  AnyExchange exchange;
  Position resumed;

  exchange::Exchange& any_exchange() const {
    return std::visit([](const auto& e) -> exchange::Exchange& { return *e; }, exchange);
  }
  // For the evaluation of keyed learners (null for dense ones).
  exchange::KeyedExchange* keyed_exchange() const {
    const auto* keyed = std::get_if<std::unique_ptr<exchange::KeyedExchange>>(&exchange);
    return keyed ? keyed->get() : nullptr;
  }
};

// What a checkpoint of this run says of it (the position left at zero).
checkpoint::Metadata describe_run(const RunContext& run, const WorkerSetup& s);

// A worker's bodies of the set-up phases, filling `s` (and `params`: the initial values, or the
// resumed ones, of a dense learner).
PhaseBodies worker_setup_bodies(WorkerSetup& s, AlignedVector<float>& params,
                                const RunContext& run);

}  // namespace psml::train
