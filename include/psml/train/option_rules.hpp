// Which options of `psml train` go together, checked in one place: the command line calls
// check_options(config) before any work, train() calls check_options(config, data, world size).
// Where an option applies is a table (option_rules()), which `psml train --print-option-rules`
// prints for the experiment driver (apps/experiment/psml_experiment.py) to drop what a point
// does not use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "psml/data/schema.hpp"
#include "psml/train/train_config.hpp"

namespace psml::train {

// An option applies only where another option (`on`, its long name: "mode") takes one of
// `values` ("ps"), or where what the training data and the ranks decide does: with `on` "data",
// the data's kind ("sparse", "dense"); with `on` "steps", how the steps on it are exchanged
// ("gathered": each step's sparse keys and values gathered, gathers_sparse_steps(); "summed":
// any other run, whose gradient the allreduce sums or the workers push); with `on` "sum", where
// the allreduce sums ("shm": in shared memory, --allreduce shm or auto on one node; "mpi").
// `reason` completes "--OPTION: "; left empty it is "applies to --ON V1, V2 or V3 only".
struct Condition {
  std::string_view on;
  std::vector<std::string_view> values;
  std::string_view reason = {};
};

// One row per option that does not apply to every run: its long name ("servers") and the
// conditions, all of which a run must meet for the option to apply. An option read nowhere in a
// configuration is refused there: every option of `psml train` that some run ignores has a row.
struct OptionRule {
  std::string_view option;
  std::vector<Condition> applies_when;
};

// The table, in the order its errors are checked. A rule for one more option is one more row, and
// an entry in option_value() for each option its conditions name that has none yet (the unit
// test checks); psml experiment follows it as it is.
const std::vector<OptionRule>& option_rules();

// The value of an option as the command line writes it ("ps", "lbfgs", "shm", "256,128"): every
// option of TrainConfig the table names; throws psml::Error for any other (the run record's
// options, --log-every say, which a rule checks by whether the command line gave them).
std::string option_value(const TrainConfig& config, std::string_view option);

// The table as JSON (`psml train --print-option-rules`): {"options": [{"option": "servers",
// "applies_when": [{"on": "mode", "values": ["ps"], "default": "allreduce", "reason": "..."}]}]},
// "default" being the value of `on` when a run does not set it (none for "data" and "steps",
// which the training data decides), "reason" the condition's reason as the errors give it.
std::string option_rules_json();

// The rules among the options themselves: the table's conditions on options, and the
// combinations that cannot run. `given`: the options (long names) the command line or --config
// file gave; an option counts as set when given or when it differs from its default. Throws
// psml::Error, one line naming the option.
void check_options(const TrainConfig& config, const std::vector<std::string>& given = {});

// Where a run's ranks are: how many, and whether every one is on one node (where --allreduce auto
// sums in shared memory).
struct RankLayout {
  int size = 1;
  bool single_node = false;
};

// Every rule: those above, --checkpoint-every's and --checkpoint-keep's need of a folder (which
// --run-dir and --resume choose after the command line), and those against the training data
// `train` and the ranks (the data's kind, whether a worker's shard of it is streamed under
// --data-memory, where the allreduce sums).
void check_options(const TrainConfig& config, const data::DatasetInfo& train,
                   const RankLayout& ranks, const std::vector<std::string>& given = {});

// What auto resolves to, for the checks and the set-up alike.
// Allreduce mode on sparse data: whether steps gather their keys and values rather than sum a
// dense gradient (SparseExchange; the bytes compared in allreduce/sparse_gather_exchange.hpp).
bool gathers_sparse_steps(const TrainConfig& config, const data::DatasetInfo& train);
// --key-layout, or what suits the data: blocks spread sparse data's popular keys over the servers.
ps::KeyLayoutKind resolved_key_layout(const TrainConfig& config, const data::DatasetInfo& train);
// --data-memory: whether a worker's `rows` rows of dense `train` are streamed from the file
// rather than read whole.
bool streams_rows(const TrainConfig& config, const data::DatasetInfo& train, std::int64_t rows);

}  // namespace psml::train
