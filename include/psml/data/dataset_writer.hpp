// Writes data files in psml's schema (see schema.hpp): importers and generators use it, so every
// file psml writes is one it, and h5py, can read back.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "psml/data/h5.hpp"
#include "psml/data/schema.hpp"

namespace psml::data {

class DatasetWriter {
 public:
  // Creates `path` with float32 /features (rows x features, in ~1 MiB chunks, gzip-compressed at
  // `gzip_level`, 0: not compressed) and /labels (int32 for classification, float32 for
  // regression).
  DatasetWriter(const std::string& path, std::int64_t rows, std::int64_t features, Task task,
                std::int64_t num_classes, int gzip_level = 4);

  // Writes rows [first, first + count); x holds count x features values.
  void write_rows(std::int64_t first, std::span<const float> x,
                  std::span<const std::int32_t> classes);
  void write_rows(std::int64_t first, std::span<const float> x, std::span<const float> targets);

  const h5::File& file() const { return file_; }

 private:
  void write_features(std::int64_t first, std::span<const float> x) const;

  h5::File file_;
  std::int64_t features_;
  h5::Dataset x_;
  h5::Dataset y_;
};

}  // namespace psml::data
