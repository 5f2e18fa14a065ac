// What every benchmark prints first: where it ran and with what, so figures compare.
#pragma once

#include <string>

namespace psml::bench {

// "host (CPU model, N cores), Open MPI x.y.z"
std::string describe_machine();

}  // namespace psml::bench
