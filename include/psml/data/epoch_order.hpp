// A pseudo-random permutation of [0, n) for each epoch, computed row by row in O(1) memory: a
// 4-round Feistel network over the next even power of two, cycle-walked into [0, n). Every rank
// evaluates the same permutation without communicating, whatever the rank count, so a run sees the
// same global batches on 1 rank or 64.
#pragma once

#include <cstdint>

namespace psml::data {

class EpochOrder {
 public:
  // shuffle=false gives the identity (evaluation, debugging).
  EpochOrder(std::int64_t n, std::uint64_t seed, std::int64_t epoch, bool shuffle = true);

  // The global row at position `i` of this epoch.
  std::int64_t operator()(std::int64_t i) const;

 private:
  std::uint64_t encrypt(std::uint64_t x) const;

  std::int64_t n_;
  bool shuffle_;
  int half_bits_;
  std::uint64_t mask_;
  std::uint64_t keys_[4];
};

}  // namespace psml::data
