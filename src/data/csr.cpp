#include "psml/data/csr.hpp"

#include <algorithm>
#include <cmath>

#include "psml/core/error.hpp"
#include "psml/data/generated.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/labels.hpp"

namespace psml::data {

SparseShard read_sparse_shard(const DatasetInfo& info, RowRange range) {
  if (const auto spec = parse_generated(info.path))
    return generate_sparse_shard(*spec, info, range);
  const auto file = h5::File::open_read(info.path);
  const auto indptr = file.dataset(kIndptrDataset);
  const auto indices = file.dataset(kIndicesDataset);
  const auto values = file.dataset(kValuesDataset);
  SparseShard shard;
  shard.info = info;
  shard.rows = range;
  auto& x = shard.x;
  x.indptr.resize(static_cast<std::size_t>(range.count) + 1);
  indptr.read_rows<std::int64_t>(static_cast<hsize_t>(range.first), x.indptr.size(), x.indptr);
  const std::int64_t first_value = x.indptr.front(), end_value = x.indptr.back();
  for (std::size_t r = 0; r + 1 < x.indptr.size(); ++r)
    if (x.indptr[r + 1] < x.indptr[r] || x.indptr[r] < 0 || x.indptr[r + 1] > info.nnz)
      throw error(indptr.where(), ": row ", range.first + static_cast<std::int64_t>(r),
                  " has offsets ", x.indptr[r], "..", x.indptr[r + 1],
                  " (must increase within [0, ", info.nnz, "])");
  for (auto& p : x.indptr) p -= first_value;
  const auto n = static_cast<hsize_t>(end_value - first_value);
  x.indices.resize(n);
  x.values.resize(n);
  indices.read_rows<std::int64_t>(static_cast<hsize_t>(first_value), n, x.indices);
  values.read_rows<float>(static_cast<hsize_t>(first_value), n, x.values);
  for (std::int64_t r = 0; r < x.rows(); ++r) {
    const auto cols = x.columns(r);
    const auto vals = x.row_values(r);
    for (std::size_t j = 0; j < cols.size(); ++j) {
      const auto global = range.first + r;
      if (cols[j] < 0 || cols[j] >= info.features)
        throw error(indices.where(), ": row ", global, " has column ", cols[j], ", outside [0, ",
                    info.features, ")");
      if (j > 0 && cols[j] <= cols[j - 1])
        throw error(indices.where(), ": row ", global, " has columns out of order or repeated (",
                    cols[j - 1], " then ", cols[j], ")");
      if (!std::isfinite(vals[j]))
        throw error(values.where(), ": row ", global, " column ", cols[j], " is not finite (",
                    vals[j], ")");
    }
  }
  read_labels(info, file.dataset(info.names.labels), range, shard.classes, shard.targets);
  return shard;
}

struct CsrWriter::Impl {
  h5::File file;
  h5::Dataset indptr, indices, values, labels;
  std::int64_t next_row = 0, next_value = 0;
};

CsrWriter::CsrWriter(const std::string& path, std::int64_t rows, std::int64_t features,
                     std::int64_t nnz, std::int64_t num_classes) {
  auto file = h5::File::create(path);
  const auto chunk = [](std::int64_t n) {
    return std::vector<hsize_t>{static_cast<hsize_t>(std::clamp<std::int64_t>(n, 1, 1 << 18))};
  };
  const auto r1 = static_cast<hsize_t>(rows + 1), r = static_cast<hsize_t>(rows),
             v = static_cast<hsize_t>(nnz);
  auto indptr = file.create_dataset<std::int64_t>(kIndptrDataset, {r1}, chunk(rows + 1), 4);
  auto indices = file.create_dataset<std::int64_t>(kIndicesDataset, {v}, chunk(nnz), 4);
  auto values = file.create_dataset<float>(kValuesDataset, {v}, chunk(nnz), 4);
  auto labels = file.create_dataset<std::int32_t>(kLabelsDataset, {r}, chunk(rows), 4);
  file.set_attribute(kNumFeaturesAttribute, features);
  file.set_attribute(kTaskAttribute, std::string("classification"));
  file.set_attribute(kNumClassesAttribute, num_classes);
  file.set_attribute("psml_schema_version", std::int64_t{1});
  impl_ = std::make_shared<Impl>(Impl{std::move(file), std::move(indptr), std::move(indices),
                                      std::move(values), std::move(labels)});
}

void CsrWriter::append(const CsrRows& block, std::span<const std::int32_t> classes) {
  auto& m = *impl_;
  std::vector<std::int64_t> offsets(block.indptr.begin() + (m.next_row == 0 ? 0 : 1),
                                    block.indptr.end());
  for (auto& o : offsets) o += m.next_value;
  const auto first_offset = static_cast<hsize_t>(m.next_row == 0 ? 0 : m.next_row + 1);
  m.indptr.write_rows<std::int64_t>(first_offset, offsets.size(), offsets);
  const auto n = block.indices.size();
  m.indices.write_rows<std::int64_t>(static_cast<hsize_t>(m.next_value), n, block.indices);
  m.values.write_rows<float>(static_cast<hsize_t>(m.next_value), n, block.values);
  m.labels.write_rows<std::int32_t>(static_cast<hsize_t>(m.next_row), classes.size(), classes);
  m.next_row += block.rows();
  m.next_value += static_cast<std::int64_t>(n);
}

}  // namespace psml::data
