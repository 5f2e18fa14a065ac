// A count and its noun as a message says it: "1 rank", "4 ranks" (never "1 ranks").
#pragma once

#include <cstdint>
#include <string>

namespace psml {

inline std::string count_of(std::int64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

}  // namespace psml
