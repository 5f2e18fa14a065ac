// Divergence checks on the hot path: is every value of a gradient finite?
// A float is NaN or ±Inf exactly when its 8 exponent bits are all ones. Testing the bits with
// integer operations (an OR over the masked words) vectorises under strict IEEE semantics,
// where a floating-point sum or comparison chain would not: one pass over a 235,146-value
// gradient costs microseconds against a step's milliseconds.
#pragma once

#include <bit>
#include <cstdint>
#include <span>

namespace psml {

inline bool all_finite(std::span<const float> values) {
  constexpr std::uint32_t kExponent = 0x7f800000u;
  std::uint32_t saturated = 0;  // bit 0 set once any value's exponent is all ones
  for (const float v : values)
    saturated |=
        static_cast<std::uint32_t>((std::bit_cast<std::uint32_t>(v) & kExponent) == kExponent);
  return saturated == 0;
}

}  // namespace psml
