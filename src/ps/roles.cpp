#include "psml/ps/roles.hpp"

#include "psml/core/count_of.hpp"
#include "psml/core/error.hpp"

namespace psml::ps {

Roles make_roles(int world_size, int servers) {
  if (servers < 1) throw error("--servers must be >= 1 in --mode ps, got ", servers);
  if (servers >= world_size)
    throw error("--servers ", servers, " leaves no worker among the ", count_of(world_size, "rank"),
                " (mpirun -np must be larger than --servers)");
  return {world_size - servers, servers};
}

}  // namespace psml::ps
