#include "psml/ps/key_layout.hpp"

#include "psml/core/error.hpp"

namespace psml::ps {

std::string to_string(KeyLayoutKind kind) {
  return kind == KeyLayoutKind::kBlocks ? "blocks" : "ranges";
}

KeyLayout::KeyLayout(std::int64_t num_keys, int servers, KeyLayoutKind kind)
    : num_keys_(num_keys),
      servers_(servers),
      kind_(kind),
      base_(num_keys / servers),
      extra_(num_keys % servers) {
  if (servers < 1) throw error("a key layout needs at least one server, got ", servers);
}

data::StridedRange KeyLayout::keys_of(int server) const {
  if (kind_ == KeyLayoutKind::kRanges) return data::balanced_range(num_keys_, servers_, server);
  const std::int64_t blocks = (num_keys_ + kBlockKeys - 1) / kBlockKeys;
  const std::int64_t owned = blocks > server ? (blocks - 1 - server) / servers_ + 1 : 0;
  const std::int64_t last = num_keys_ % kBlockKeys;  // keys of a shorter last block (0: none)
  const bool has_short_last = last > 0 && owned > 0 && (blocks - 1) % servers_ == server;
  return {server * kBlockKeys, kBlockKeys, servers_ * kBlockKeys,
          has_short_last ? owned - 1 : owned, has_short_last ? last : 0};
}

int KeyLayout::owner(std::int64_t key) const {
  if (kind_ == KeyLayoutKind::kBlocks) return static_cast<int>((key / kBlockKeys) % servers_);
  const std::int64_t big = extra_ * (base_ + 1);  // keys in the ranges that are one longer
  return static_cast<int>(key < big ? key / (base_ + 1) : extra_ + (key - big) / base_);
}

std::int64_t KeyLayout::local_index(std::int64_t key) const {
  if (kind_ == KeyLayoutKind::kBlocks)
    return (key / kBlockKeys / servers_) * kBlockKeys + key % kBlockKeys;
  return key - data::balanced_range(num_keys_, servers_, owner(key)).first;
}

std::vector<MatrixBlock> KeyLayout::matrices_of(int server,
                                                std::span<const MatrixBlock> matrices) const {
  if (kind_ != KeyLayoutKind::kRanges) return {};
  const auto keys = keys_of(server);
  return matrices_within(matrices, static_cast<std::size_t>(keys.first),
                         static_cast<std::size_t>(keys.count()));
}

}  // namespace psml::ps
