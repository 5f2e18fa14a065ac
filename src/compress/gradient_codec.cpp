#include "psml/compress/gradient_codec.hpp"

#include <cstring>

#include "psml/compress/quantize.hpp"
#include "psml/core/error.hpp"

namespace psml::compress {

using Kind = CompressionSpec::Kind;

GradientCodec::GradientCodec(const CompressionSpec& spec, std::size_t n,
                             std::span<const MatrixBlock> matrices)
    : spec_(spec), n_(n) {
  switch (spec.kind) {
    case Kind::kFp16:
    case Kind::kInt8:
      bytes_ = quantized_bytes(spec.kind, n);
      values_.resize(n);
      break;
    case Kind::kTopK:
      top_k_ = std::make_unique<TopK>(n, spec.ratio);
      bytes_ = top_k_->k() * (sizeof(std::uint32_t) + sizeof(float));
      indices_.resize(top_k_->k());
      values_.resize(top_k_->k());
      break;
    case Kind::kPowerSgd:
      power_ = std::make_unique<PowerSgdCodec>(n, matrices, spec.rank);
      bytes_ = power_->encoded_bytes();
      break;
    default:
      throw error("--compression ", spec.describe(), " is not a codec of one gradient vector");
  }
}

void GradientCodec::encode(std::span<const float> values, std::span<std::byte> out) {
  PSML_CHECK_EQ(values.size(), n_, "gradient encoding");
  PSML_CHECK_EQ(out.size(), bytes_, "gradient encoding bytes");
  if (spec_.kind == Kind::kFp16 || spec_.kind == Kind::kInt8)
    return encode_quantized(spec_.kind, values, out);
  if (spec_.kind == Kind::kPowerSgd) return power_->encode(values, out);
  const std::size_t k = top_k_->k();
  top_k_->encode(values, indices_, values_);
  std::memcpy(out.data(), indices_.data(), k * sizeof(std::uint32_t));
  std::memcpy(out.data() + k * sizeof(std::uint32_t), values_.data(), k * sizeof(float));
}

void GradientCodec::add_decoded(std::span<const std::byte> in, std::span<float> sum) {
  PSML_CHECK_EQ(in.size(), bytes_, "gradient decoding bytes");
  PSML_CHECK_EQ(sum.size(), n_, "gradient decoding");
  if (spec_.kind == Kind::kPowerSgd) return power_->add_decoded(in, sum);
  if (spec_.kind == Kind::kTopK) {
    const std::size_t k = top_k_->k();
    std::memcpy(indices_.data(), in.data(), k * sizeof(std::uint32_t));
    std::memcpy(values_.data(), in.data() + k * sizeof(std::uint32_t), k * sizeof(float));
    return add_sparse(indices_, values_, sum);
  }
  decode_quantized(spec_.kind, in, values_);
  for (std::size_t i = 0; i < n_; ++i) sum[i] += values_[i];
}

}  // namespace psml::compress
