#include "psml/data/validation_split.hpp"

#include <vector>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"

namespace psml::data {
namespace {

constexpr std::uint64_t kStream = 0x76616c6964617465ULL;  // "validate": apart from other streams

// Which of this rank's rows are held out (1) or kept (0).
std::vector<std::uint8_t> held_out(const RowRange& rows, double fraction, std::uint64_t seed) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(rows.count));
  for (std::int64_t i = 0; i < rows.count; ++i)
    out[static_cast<std::size_t>(i)] = in_validation(rows.first + i, fraction, seed) ? 1 : 0;
  return out;
}

// Both parts' infos and ranges, from every rank's counts.
void number(DatasetInfo& train_info, RowRange& train_rows, DatasetInfo& held_info,
            RowRange& held_rows, std::int64_t kept, std::int64_t held,
            const comm::Communicator& comm) {
  std::vector<std::int64_t> counts(2 * static_cast<std::size_t>(comm.size()));
  const std::int64_t mine[2] = {kept, held};
  comm.allgather(std::as_bytes(std::span(mine)), std::as_writable_bytes(std::span(counts)),
                 "the validation split's counts");
  std::int64_t kept_before = 0, held_before = 0, kept_all = 0, held_all = 0;
  for (int r = 0; r < comm.size(); ++r) {
    const auto k = counts[2 * static_cast<std::size_t>(r)];
    const auto h = counts[2 * static_cast<std::size_t>(r) + 1];
    if (r < comm.rank()) {
      kept_before += k;
      held_before += h;
    }
    kept_all += k;
    held_all += h;
  }
  if (kept_all == 0 || held_all == 0)
    throw error(train_info.path, ": --validation leaves ", held_all, " of ", kept_all + held_all,
                " rows for validation and ", kept_all, " for training; both need rows");
  held_info = train_info;
  train_info.rows = kept_all;
  held_info.rows = held_all;
  train_rows = {kept_before, kept};
  held_rows = {held_before, held};
}

}  // namespace

bool in_validation(std::int64_t row, double fraction, std::uint64_t seed) {
  const auto h = mix64(mix64(seed ^ kStream) ^ static_cast<std::uint64_t>(row));
  return static_cast<double>(h >> 11) * 0x1.0p-53 < fraction;
}

Shard split_validation(Shard& train, double fraction, std::uint64_t seed,
                       const comm::Communicator& comm) {
  const auto mask = held_out(train.rows, fraction, seed);
  std::vector<Eigen::Index> kept, held;
  for (std::size_t i = 0; i < mask.size(); ++i)
    (mask[i] ? held : kept).push_back(static_cast<Eigen::Index>(i));
  const auto take = [&](const std::vector<Eigen::Index>& rows) {
    Shard s;
    s.x.resize(static_cast<Eigen::Index>(rows.size()), train.x.cols());
    if (train.classes.size()) s.classes.resize(static_cast<Eigen::Index>(rows.size()));
    if (train.targets.size()) s.targets.resize(static_cast<Eigen::Index>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto at = static_cast<Eigen::Index>(i);
      s.x.row(at) = train.x.row(rows[i]);
      if (train.classes.size()) s.classes[at] = train.classes[rows[i]];
      if (train.targets.size()) s.targets[at] = train.targets[rows[i]];
    }
    return s;
  };
  Shard validation = take(held);
  Shard rest = take(kept);
  rest.info = train.info;
  number(rest.info, rest.rows, validation.info, validation.rows,
         static_cast<std::int64_t>(kept.size()), static_cast<std::int64_t>(held.size()), comm);
  train = std::move(rest);
  return validation;
}

SparseShard split_validation(SparseShard& train, double fraction, std::uint64_t seed,
                             const comm::Communicator& comm) {
  const auto mask = held_out(train.rows, fraction, seed);
  SparseShard kept, held;
  std::int64_t kept_rows = 0, held_rows = 0;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    auto& to = mask[i] ? held : kept;
    const auto r = static_cast<std::int64_t>(i);
    const auto cols = train.x.columns(r);
    const auto vals = train.x.row_values(r);
    to.x.indices.insert(to.x.indices.end(), cols.begin(), cols.end());
    to.x.values.insert(to.x.values.end(), vals.begin(), vals.end());
    to.x.indptr.push_back(static_cast<std::int64_t>(to.x.indices.size()));
    (mask[i] ? held_rows : kept_rows) += 1;
  }
  const auto labels = [&](SparseShard& to, std::uint8_t which) {
    const auto n = which ? held_rows : kept_rows;
    if (train.classes.size()) to.classes.resize(n);
    if (train.targets.size()) to.targets.resize(n);
    Eigen::Index at = 0;
    for (std::size_t i = 0; i < mask.size(); ++i) {
      if (mask[i] != which) continue;
      const auto r = static_cast<Eigen::Index>(i);
      if (train.classes.size()) to.classes[at] = train.classes[r];
      if (train.targets.size()) to.targets[at] = train.targets[r];
      ++at;
    }
  };
  labels(kept, 0);
  labels(held, 1);
  kept.info = train.info;
  number(kept.info, kept.rows, held.info, held.rows, kept_rows, held_rows, comm);
  train = std::move(kept);
  return held;
}

}  // namespace psml::data
