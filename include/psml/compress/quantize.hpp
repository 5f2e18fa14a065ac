// Quantised gradients: each value in fewer bits, decoded to float32 on the other side.
//
//   fp16  IEEE half precision: relative error at most 2^-11 for |x| in [2^-14, 65504]; larger
//         magnitudes saturate to ±65504 (a gradient that large has diverged: the finite check
//         sees it before).
//   int8  per block of kInt8Block values, scale s = max|x| / 127 and q = round(x / s) in
//         [-127, 127]: absolute error at most s / 2 per value. A block travels as its float scale
//         and its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "psml/compress/compression_spec.hpp"

namespace psml::compress {

constexpr std::size_t kInt8Block = 1024;

// Encoded sizes in bytes of `n` values.
std::size_t fp16_bytes(std::size_t n);
std::size_t int8_bytes(std::size_t n);

// `out` holds exactly the encoded size of `in`.
void encode_fp16(std::span<const float> in, std::span<std::byte> out);
void decode_fp16(std::span<const std::byte> in, std::span<float> out);
void encode_int8(std::span<const float> in, std::span<std::byte> out);
void decode_int8(std::span<const std::byte> in, std::span<float> out);

// The same for either quantisation, by `kind` (fp16 or int8; throws naming any other codec).
std::size_t quantized_bytes(CompressionSpec::Kind kind, std::size_t n);
void encode_quantized(CompressionSpec::Kind kind, std::span<const float> in,
                      std::span<std::byte> out);
void decode_quantized(CompressionSpec::Kind kind, std::span<const std::byte> in,
                      std::span<float> out);

}  // namespace psml::compress
