#include "psml/data/epoch_order.hpp"

#include "psml/core/rng.hpp"

namespace psml::data {

EpochOrder::EpochOrder(std::int64_t n, std::uint64_t seed, std::int64_t epoch, bool shuffle)
    : n_(n), shuffle_(shuffle) {
  int bits = 2;
  while ((std::uint64_t{1} << bits) < static_cast<std::uint64_t>(n)) ++bits;
  if (bits % 2) ++bits;  // balanced halves; the domain is then < 4n, so walks are short
  half_bits_ = bits / 2;
  mask_ = (std::uint64_t{1} << half_bits_) - 1;
  for (std::uint64_t k = 0; k < 4; ++k)
    keys_[k] = derive_seed(seed, RngPurpose::kDataOrder, static_cast<std::uint64_t>(epoch) * 4 + k);
}

std::uint64_t EpochOrder::encrypt(std::uint64_t x) const {
  std::uint64_t left = x >> half_bits_;
  std::uint64_t right = x & mask_;
  for (const auto key : keys_) {
    const std::uint64_t next = left ^ (mix64(right ^ key) & mask_);
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

std::int64_t EpochOrder::operator()(std::int64_t i) const {
  if (!shuffle_) return i;
  // Cycle-walking: the Feistel network permutes [0, 4^half); repeat until inside [0, n).
  auto x = static_cast<std::uint64_t>(i);
  do {
    x = encrypt(x);
  } while (x >= static_cast<std::uint64_t>(n_));
  return static_cast<std::int64_t>(x);
}

}  // namespace psml::data
