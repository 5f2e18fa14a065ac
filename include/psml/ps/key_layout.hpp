// Which server holds which key of [0, P) (`--key-layout`), decided once, here:
//   ranges  server s holds the s-th of S contiguous, balanced ranges. Dense models touch every
//           key every step, so each server gets an equal share, sent without copying.
//   blocks  keys in blocks of kBlockKeys; block b goes to server b mod S. Sparse data with skewed
//           key popularity (most features near the start, as in power-law data) would send most
//           of its traffic to server 0 under ranges; dealt out block by block, the popular keys
//           spread over every server (BytePS partitions the key space the same way).
// Either way a server stores its keys in increasing order, and a checkpoint holds every key at
// its own position, so a run resumes on any layout.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "psml/core/matrix_block.hpp"
#include "psml/data/row_range.hpp"

namespace psml::ps {

enum class KeyLayoutKind { kRanges, kBlocks };
std::string to_string(KeyLayoutKind kind);

class KeyLayout {
 public:
  static constexpr std::int64_t kBlockKeys = 64;

  KeyLayout() = default;
  KeyLayout(std::int64_t num_keys, int servers, KeyLayoutKind kind);

  KeyLayoutKind kind() const { return kind_; }
  std::int64_t num_keys() const { return num_keys_; }
  // Server s's keys, in increasing order (one run for ranges).
  data::StridedRange keys_of(int server) const;
  // The server holding `key`, and the key's position in that server's storage.
  int owner(std::int64_t key) const;
  std::int64_t local_index(std::int64_t key) const;
  // The whole rows of the model's weight `matrices` that server s holds, offsets from its first
  // key, for --compression powersgd (ranges; blocks: none, a 64-key block cuts rows anywhere).
  std::vector<MatrixBlock> matrices_of(int server, std::span<const MatrixBlock> matrices) const;

 private:
  std::int64_t num_keys_ = 0;
  int servers_ = 1;
  KeyLayoutKind kind_ = KeyLayoutKind::kRanges;
  std::int64_t base_ = 0, extra_ = 0;  // ranges: sizes base_ + 1 for the first extra_, then base_
};

}  // namespace psml::ps
