#include "training_standardization.hpp"

#include <exception>
#include <type_traits>
#include <vector>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/core/error.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/shard_reader.hpp"

namespace psml::train {
namespace {

// Calls f(rows) on this worker's streamed training rows, read from the file in pieces (the
// figures need every row before the stream's first window is standardized).
template <class F>
void for_each_streamed_piece(const data::DatasetInfo& info, data::RowRange rows, F&& f) {
  auto features_only = info;
  features_only.has_labels = false;
  const auto h5 = h5::library_lock();
  data::ShardFile file(features_only);
  data::RowMatrix x;
  constexpr std::int64_t kPiece = std::int64_t{1} << 16;
  for (std::int64_t first = rows.first; first < rows.end(); first += kPiece) {
    const auto n = std::min(kPiece, rows.end() - first);
    x.resize(n, info.features);
    file.read({first, n}, x.data(), nullptr, nullptr);
    f(x);
  }
}

// --standardize: the per-feature figures of every worker's training rows (the validation rows
// held out; a streamed shard's read from its file), in float64, summed over the workers in two
// passes (the mean, then the squared deviations from it). Dense rows are centred and scaled, CSR
// rows only scaled. A failure to read is thrown after the collectives, which every worker runs
// alike whatever its rows.
template <class AnyShard>
data::Standardization standardization_of(const AnyShard& train, bool streamed,
                                         const data::DatasetInfo& info, data::RowRange rows,
                                         const comm::Communicator& workers) {
  constexpr bool kDense = std::is_same_v<AnyShard, data::Shard>;
  const auto f = static_cast<std::size_t>(info.features);
  std::exception_ptr failed;
  // Sums `sum(x)` over this worker's rows (each block of them); zeros after a failure.
  const auto local = [&](auto&& sum) {
    std::vector<double> total(f, 0.0);
    const auto add = [&](const auto& x) {
      const auto part = sum(x);
      for (std::size_t j = 0; j < f; ++j) total[j] += part[j];
    };
    try {
      if constexpr (kDense) {
        if (streamed)
          for_each_streamed_piece(info, rows, add);
        else
          add(train.x);
      } else {
        add(train.x);
      }
    } catch (...) {
      failed = std::current_exception();
      std::fill(total.begin(), total.end(), 0.0);
    }
    return total;
  };
  auto sums = local([&](const auto& x) {
    if constexpr (kDense)
      return data::feature_sums(x);
    else
      return data::feature_sums(x, info.features);
  });
  sums.push_back(static_cast<double>(rows.count));
  workers.allreduce(std::span<double>(sums));
  const auto n = std::max<std::int64_t>(static_cast<std::int64_t>(sums.back()), 1);
  sums.pop_back();
  std::vector<double> mean(f);
  for (std::size_t j = 0; j < f; ++j) mean[j] = sums[j] / static_cast<double>(n);
  auto deviations = local([&](const auto& x) { return data::squared_deviations(x, mean); });
  workers.allreduce(std::span<double>(deviations));
  if (failed) std::rethrow_exception(failed);
  return data::standardization_of(sums, deviations, n, kDense);
}

}  // namespace

data::Standardization training_standardization(const data::Shard& train, bool streamed,
                                               const data::DatasetInfo& info, data::RowRange rows,
                                               const comm::Communicator& workers) {
  return standardization_of(train, streamed, info, rows, workers);
}

data::Standardization training_standardization(const data::SparseShard& train, bool,
                                               const data::DatasetInfo& info, data::RowRange rows,
                                               const comm::Communicator& workers) {
  return standardization_of(train, false, info, rows, workers);
}

// The standardisation a resumed run trains with: its checkpoint's, never computed again (the
// model's weights are for inputs standardized by exactly these figures).
data::Standardization saved_standardization(const std::string& path) {
  const auto h5 = h5::library_lock();  // a streaming shard's thread reads HDF5 too
  auto saved = checkpoint::read_metadata(path).standardization;
  if (saved.empty())
    throw error("--standardize: ", path,
                " was trained without it; resume it without --standardize (its model takes the "
                "features as they are)");
  return saved;
}

}  // namespace psml::train
