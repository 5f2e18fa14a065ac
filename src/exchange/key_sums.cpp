#include "psml/exchange/key_sums.hpp"

#include <algorithm>

namespace psml::exchange {

void sum_by_key(std::vector<std::pair<std::int64_t, float>>& pairs, std::vector<std::int64_t>& keys,
                std::vector<float>& sums) {
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  keys.clear();
  sums.clear();
  for (const auto& [key, value] : pairs) {
    if (keys.empty() || keys.back() != key) {
      keys.push_back(key);
      sums.push_back(0.0f);
    }
    sums.back() += value;
  }
}

}  // namespace psml::exchange
