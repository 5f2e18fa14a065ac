// The IDX format of (Fashion-)MNIST, plain or gzip-compressed: a magic number, big-endian sizes,
// then the elements. Only unsigned bytes (type 0x08) are used by these datasets and supported.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace psml::data {

struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> values;
};

// Reads the IDX file at `path`. The declared sizes are checked against the bytes actually present,
// and memory grows with the bytes read, never with what the header claims.
IdxArray read_idx(const std::string& path);

// Parses IDX bytes already in memory; `source` names them in errors. Used by read_idx and fuzzing.
IdxArray parse_idx(const std::uint8_t* bytes, std::size_t size, const std::string& source);

// Imports an images file and a labels file into psml's schema, each pixel multiplied by `scale`.
void import_idx(const std::string& images, const std::string& labels, const std::string& out,
                float scale);

}  // namespace psml::data
