#include "psml/checkpoint/checksum.hpp"

#include <cstring>

#include "psml/core/rng.hpp"

namespace psml::checkpoint {

std::uint64_t positional_hash(std::span<const float> values, std::uint64_t first) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &values[i], sizeof bits);
    sum += mix64(((first + i) << 32) ^ (first + i) * 0x9e3779b97f4a7c15ULL ^ bits);
  }
  return sum;
}

}  // namespace psml::checkpoint
