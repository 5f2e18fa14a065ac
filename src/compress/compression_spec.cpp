#include "psml/compress/compression_spec.hpp"

#include <cstdlib>
#include <sstream>

#include "psml/core/error.hpp"

namespace psml::compress {

CompressionSpec CompressionSpec::parse(const std::string& text) {
  CompressionSpec spec;
  const auto colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : text.substr(colon + 1);
  const auto bad = [&] {
    return error("--compression '", text,
                 "': say none, fp16, int8, topk:R (0 < R <= 1) or powersgd:R (R >= 1)");
  };
  char* end = nullptr;
  if ((name == "none" || name == "fp16" || name == "int8") && colon == std::string::npos) {
    spec.kind = name == "none" ? Kind::kNone : name == "fp16" ? Kind::kFp16 : Kind::kInt8;
  } else if (name == "topk" && !arg.empty()) {
    spec.kind = Kind::kTopK;
    spec.ratio = std::strtod(arg.c_str(), &end);
    if (*end != '\0' || !(spec.ratio > 0 && spec.ratio <= 1)) throw bad();
  } else if (name == "powersgd" && !arg.empty()) {
    spec.kind = Kind::kPowerSgd;
    const long rank = std::strtol(arg.c_str(), &end, 10);
    if (*end != '\0' || rank < 1 || rank > 1024) throw bad();
    spec.rank = static_cast<int>(rank);
  } else {
    throw bad();
  }
  return spec;
}

std::string CompressionSpec::describe() const {
  std::ostringstream out;
  switch (kind) {
    case Kind::kNone:
      return "none";
    case Kind::kFp16:
      return "fp16";
    case Kind::kInt8:
      return "int8";
    case Kind::kTopK:
      out << "topk:" << ratio;
      return out.str();
    case Kind::kPowerSgd:
      out << "powersgd:" << rank;
      return out.str();
  }
  return "none";
}

}  // namespace psml::compress
