// Dataset checksums that parallel writers can compute without gathering the data: the sum, modulo
// 2^64, of a 64-bit mix of (position, value bits) over every element. Each writer hashes its own
// range; the partial sums add up (one allreduce) to the checksum of the whole dataset. Changing,
// moving or losing any element changes the sum except with probability ~2^-64.
#pragma once

#include <cstdint>
#include <span>

namespace psml::checkpoint {

// The partial checksum of values that sit at positions [first, first + values.size()).
std::uint64_t positional_hash(std::span<const float> values, std::uint64_t first);

}  // namespace psml::checkpoint
