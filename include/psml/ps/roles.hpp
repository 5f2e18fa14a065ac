// Which ranks are workers and which are servers, decided once, here.
// Workers are world ranks [0, W) (so rank 0, which prints, is a worker); servers are [W, W + S).
// Server s owns the s-th of S contiguous, balanced key ranges of [0, P).
#pragma once

#include <cstdint>
#include <vector>

#include "psml/data/row_range.hpp"

namespace psml::ps {

using KeyRange = data::RowRange;

struct Roles {
  int workers = 1;
  int servers = 0;

  bool is_server(int world_rank) const { return world_rank >= workers; }
  int server_index(int world_rank) const { return world_rank - workers; }
  int server_rank(int server) const { return workers + server; }
  int worker_rank(int worker) const { return worker; }
};

// Throws psml::Error (naming --servers) unless 1 <= servers < world size.
Roles make_roles(int world_size, int servers);

// The key range server `server` of `servers` owns in [0, num_keys).
inline KeyRange server_keys(std::int64_t num_keys, int servers, int server) {
  return data::balanced_range(num_keys, servers, server);
}

}  // namespace psml::ps
