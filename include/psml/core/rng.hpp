// Seeded random streams. Every stream is derived from (run seed, purpose, rank or other index),
// so a run is reproducible and two streams never share state by accident.
#pragma once

#include <cstdint>
#include <random>

namespace psml {

// What a random stream is used for; part of its seed so streams of different purposes differ.
enum class RngPurpose : std::uint64_t {
  kInit = 1,       // model parameter initialisation (same on every rank)
  kDataOrder = 2,  // per-epoch shuffle of the global row order (same on every rank)
  kSynthetic = 3,  // synthetic data generation
  kFeatures = 4,   // random features of kernel models (same on every rank)
  kClusters = 5,   // k-means initialisation (same on every rank)
};

// SplitMix64's finaliser: a cheap bijective mix with full avalanche.
std::uint64_t mix64(std::uint64_t x);

// A seed for the stream (seed, purpose, index); index is a rank, an epoch or a column block.
std::uint64_t derive_seed(std::uint64_t seed, RngPurpose purpose, std::uint64_t index = 0);

using Rng = std::mt19937_64;

inline Rng make_rng(std::uint64_t seed, RngPurpose purpose, std::uint64_t index = 0) {
  return Rng(derive_seed(seed, purpose, index));
}

}  // namespace psml
