#include "psml/data/idx_reader.hpp"

#include <zlib.h>

#include <algorithm>
#include <memory>

#include "psml/core/error.hpp"
#include "psml/data/dataset_writer.hpp"

namespace psml::data {
namespace {

constexpr std::uint8_t kUnsignedByte = 0x08;

std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path) {
  // gzread reads plain files as they are, so one path serves .gz and uncompressed IDX.
  std::unique_ptr<gzFile_s, int (*)(gzFile)> in(gzopen(path.c_str(), "rb"), gzclose);
  if (!in) throw error(path, ": cannot open");
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint8_t> block(1 << 20);
  for (;;) {
    const int n = gzread(in.get(), block.data(), static_cast<unsigned>(block.size()));
    if (n < 0) {
      int code = 0;
      throw error(path, ": cannot read (", gzerror(in.get(), &code), ")");
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), block.begin(), block.begin() + n);
  }
  return bytes;
}

}  // namespace

IdxArray parse_idx(const std::uint8_t* bytes, std::size_t size, const std::string& source) {
  if (size < 4) throw error(source, ": too short for an IDX header");
  if (bytes[0] != 0 || bytes[1] != 0)
    throw error(source, ": bad IDX magic number (first two bytes must be 0)");
  if (bytes[2] != kUnsignedByte)
    throw error(source, ": IDX element type 0x", std::hex, int{bytes[2]},
                " is not supported (only 0x08, unsigned byte)");
  const std::size_t ndims = bytes[3];
  if (ndims == 0) throw error(source, ": IDX header declares 0 dimensions");
  if (size < 4 + 4 * ndims) throw error(source, ": truncated IDX header");
  IdxArray out;
  std::uint64_t declared = 1;
  for (std::size_t d = 0; d < ndims; ++d) {
    const std::uint8_t* p = bytes + 4 + 4 * d;
    const std::uint32_t n = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                            (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
    out.dims.push_back(n);
    // Saturate: a lying header must not overflow into a plausible size. (Multiplying first and
    // clamping after wrapped around: 2^62 x 4 became 0, and sizes [2^31, 2^31, 4] matched an
    // empty body.)
    constexpr std::uint64_t kCap = std::uint64_t{1} << 62;
    declared = n == 0 ? 0 : (declared > kCap / n ? kCap : std::min(declared * n, kCap));
  }
  const std::size_t present = size - 4 - 4 * ndims;
  if (declared != present)
    throw error(source, ": IDX header declares ", declared, " values but the file holds ", present);
  out.values.assign(bytes + 4 + 4 * ndims, bytes + size);
  return out;
}

IdxArray read_idx(const std::string& path) {
  const auto bytes = read_maybe_gzipped(path);
  return parse_idx(bytes.data(), bytes.size(), path);
}

void import_idx(const std::string& images, const std::string& labels, const std::string& out,
                float scale) {
  const auto x = read_idx(images);
  const auto y = read_idx(labels);
  if (x.dims.size() < 2) throw error(images, ": images need at least 2 dimensions (rows x ...)");
  if (y.dims.size() != 1)
    throw error(labels, ": labels must be 1-D, has ", y.dims.size(), " dimensions");
  if (x.dims[0] != y.dims[0])
    throw error(images, " has ", x.dims[0], " rows but ", labels, " has ", y.dims[0]);
  const std::int64_t rows = x.dims[0];
  if (rows == 0) throw error(images, ": holds no rows");
  const std::int64_t features = static_cast<std::int64_t>(x.values.size()) / rows;

  std::vector<float> features_block(x.values.size());
  std::transform(x.values.begin(), x.values.end(), features_block.begin(),
                 [scale](std::uint8_t v) { return static_cast<float>(v) * scale; });
  std::vector<std::int32_t> classes(y.values.begin(), y.values.end());
  const std::int64_t num_classes = *std::max_element(classes.begin(), classes.end()) + 1;

  DatasetWriter writer(out, rows, features, Task::kClassification, num_classes);
  writer.write_rows(0, features_block, classes);
}

}  // namespace psml::data
