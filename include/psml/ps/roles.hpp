// Which ranks are workers and which are servers, decided once, here.
// Workers are world ranks [0, W) (so rank 0, which prints, is a worker); servers are [W, W + S).
// Which keys each server holds is the key layout's business (ps/key_layout.hpp).
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

}  // namespace psml::ps
