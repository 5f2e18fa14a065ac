// Gradient compression for slow links, as --compression names it: none, fp16, int8 (a scale per
// block of values), topk:R (the fraction R of the values with the largest magnitude, the rest
// kept as a residual: error feedback) or powersgd:R (rank-R factors of each weight matrix, with
// error feedback; Vogels et al. 2019).
#pragma once

#include <string>

namespace psml::compress {

struct CompressionSpec {
  enum class Kind { kNone, kFp16, kInt8, kTopK, kPowerSgd };
  Kind kind = Kind::kNone;
  double ratio = 0;  // topk: the fraction of values sent, (0, 1]
  int rank = 0;      // powersgd: the rank of the factors, >= 1

  // "none", "fp16", "int8", "topk:0.01", "powersgd:4"; throws naming the text otherwise.
  static CompressionSpec parse(const std::string& text);
  std::string describe() const;
};

}  // namespace psml::compress
