#include "psml/compress/quantize.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>

#include "psml/core/error.hpp"

namespace psml::compress {

std::size_t fp16_bytes(std::size_t n) {
  return n * sizeof(Eigen::half);
}

std::size_t int8_bytes(std::size_t n) {
  const std::size_t blocks = (n + kInt8Block - 1) / kInt8Block;
  return blocks * sizeof(float) + n;
}

void encode_fp16(std::span<const float> in, std::span<std::byte> out) {
  PSML_CHECK_EQ(out.size(), fp16_bytes(in.size()), "fp16 encoding");
  constexpr float kMax = 65504.0f;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const Eigen::half h(std::clamp(in[i], -kMax, kMax));
    std::memcpy(out.data() + i * sizeof h, &h, sizeof h);
  }
}

void decode_fp16(std::span<const std::byte> in, std::span<float> out) {
  PSML_CHECK_EQ(in.size(), fp16_bytes(out.size()), "fp16 decoding");
  for (std::size_t i = 0; i < out.size(); ++i) {
    Eigen::half h;
    std::memcpy(&h, in.data() + i * sizeof h, sizeof h);
    out[i] = static_cast<float>(h);
  }
}

void encode_int8(std::span<const float> in, std::span<std::byte> out) {
  PSML_CHECK_EQ(out.size(), int8_bytes(in.size()), "int8 encoding");
  std::byte* at = out.data();
  for (std::size_t first = 0; first < in.size(); first += kInt8Block) {
    const auto block = in.subspan(first, std::min(kInt8Block, in.size() - first));
    float largest = 0;
    for (const float x : block) largest = std::max(largest, std::abs(x));
    const float scale = largest / 127.0f;
    std::memcpy(at, &scale, sizeof scale);
    at += sizeof scale;
    const float inverse = scale > 0 ? 1.0f / scale : 0.0f;
    for (const float x : block) {
      const auto q = static_cast<std::int8_t>(std::clamp(std::lround(x * inverse), -127L, 127L));
      std::memcpy(at++, &q, 1);
    }
  }
}

void decode_int8(std::span<const std::byte> in, std::span<float> out) {
  PSML_CHECK_EQ(in.size(), int8_bytes(out.size()), "int8 decoding");
  const std::byte* at = in.data();
  for (std::size_t first = 0; first < out.size(); first += kInt8Block) {
    const std::size_t count = std::min(kInt8Block, out.size() - first);
    float scale = 0;
    std::memcpy(&scale, at, sizeof scale);
    at += sizeof scale;
    for (std::size_t i = 0; i < count; ++i) {
      std::int8_t q = 0;
      std::memcpy(&q, at++, 1);
      out[first + i] = static_cast<float>(q) * scale;
    }
  }
}

namespace {

bool is_fp16(CompressionSpec::Kind kind) {
  if (kind != CompressionSpec::Kind::kFp16 && kind != CompressionSpec::Kind::kInt8) {
    CompressionSpec spec;
    spec.kind = kind;
    throw error("--compression ", spec.describe(), " is not a quantisation (fp16 or int8)");
  }
  return kind == CompressionSpec::Kind::kFp16;
}

}  // namespace

std::size_t quantized_bytes(CompressionSpec::Kind kind, std::size_t n) {
  return is_fp16(kind) ? fp16_bytes(n) : int8_bytes(n);
}

void encode_quantized(CompressionSpec::Kind kind, std::span<const float> in,
                      std::span<std::byte> out) {
  if (is_fp16(kind))
    encode_fp16(in, out);
  else
    encode_int8(in, out);
}

void decode_quantized(CompressionSpec::Kind kind, std::span<const std::byte> in,
                      std::span<float> out) {
  if (is_fp16(kind))
    decode_fp16(in, out);
  else
    decode_int8(in, out);
}

}  // namespace psml::compress
