// Adding up (key, value) pairs from several senders key by key: a stable sort keeps the senders'
// order within a key, so every rank that sums the same pairs gets the same bits. The work grows
// with the pairs, never with the key space.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace psml::exchange {

// The sorted, unique keys of `pairs` (listed sender by sender) and the sum of each key's values in
// that order. `pairs` is sorted in place.
void sum_by_key(std::vector<std::pair<std::int64_t, float>>& pairs, std::vector<std::int64_t>& keys,
                std::vector<float>& sums);

}  // namespace psml::exchange
