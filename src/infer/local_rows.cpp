#include "psml/infer/local_rows.hpp"

#include "psml/core/count_of.hpp"
#include "psml/core/error.hpp"
#include "psml/data/shard_reader.hpp"

namespace psml::infer {

std::int64_t rows_of(const RowBlock& rows) {
  if (const auto* csr = std::get_if<CsrBlock>(&rows)) return csr->count;
  return std::get<data::ConstRowsMap>(rows).rows();
}

const data::DatasetInfo& LocalRows::info() const {
  return std::visit([](const auto& s) -> const data::DatasetInfo& { return s.info; }, rows_);
}

data::RowRange LocalRows::range() const {
  return std::visit([](const auto& s) { return s.rows; }, rows_);
}

RowBlock LocalRows::block(std::int64_t first, std::int64_t count) const {
  if (const auto* s = dense())
    return data::ConstRowsMap(s->x.data() + first * s->x.cols(), count, s->x.cols());
  return CsrBlock{&std::get<data::SparseShard>(rows_).x, first, count};
}

std::span<const std::int32_t> LocalRows::classes(std::int64_t first, std::int64_t count) const {
  const auto& c =
      std::visit([](const auto& s) -> const Eigen::VectorXi& { return s.classes; }, rows_);
  if (!c.size()) return {};
  return {c.data() + first, static_cast<std::size_t>(count)};
}

std::span<const float> LocalRows::targets(std::int64_t first, std::int64_t count) const {
  const auto& t =
      std::visit([](const auto& s) -> const Eigen::VectorXf& { return s.targets; }, rows_);
  if (!t.size()) return {};
  return {t.data() + first, static_cast<std::size_t>(count)};
}

LocalRows read_local_rows(const data::DatasetInfo& info, const comm::Communicator& world) {
  if (info.rows < world.size())
    throw error(info.path, ": has ", info.rows, " rows, fewer than the ",
                count_of(world.size(), "rank"));
  const auto range = data::balanced_range(info.rows, world.size(), world.rank());
  if (info.sparse) return LocalRows(data::read_sparse_shard(info, range));
  return LocalRows(data::read_shard(info, range));
}

}  // namespace psml::infer
