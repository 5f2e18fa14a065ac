#include "psml/ps/consistency.hpp"

#include <charconv>

#include "psml/core/error.hpp"

namespace psml::ps {

Consistency Consistency::parse(const std::string& text) {
  if (text == "bsp") return {Kind::kBsp, 0};
  if (text == "async") return {Kind::kAsync, 0};
  if (text.rfind("ssp:", 0) == 0) {
    std::int64_t k = -1;
    const char* begin = text.data() + 4;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(begin, end, k);
    if (ec == std::errc() && ptr == end && begin != end && k >= 0) return {Kind::kSsp, k};
  }
  throw error("--consistency: '", text, "' is not bsp, ssp:K (K >= 0) or async");
}

std::string Consistency::describe() const {
  switch (kind) {
    case Kind::kBsp:
      return "bsp";
    case Kind::kSsp:
      return "ssp:" + std::to_string(bound);
    case Kind::kAsync:
      return "async";
  }
  return "?";
}

}  // namespace psml::ps
