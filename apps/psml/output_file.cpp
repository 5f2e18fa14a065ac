#include "output_file.hpp"

#include <cstdio>

#include "psml/comm/agreement.hpp"
#include "psml/core/atomic_file.hpp"

namespace psml::cli {

void write_output_file(const std::string& path, const comm::Communicator& world,
                       const std::function<void(const std::string&)>& write) {
  const auto temporary = temporary_path_for(path);
  try {
    // Every rank's file handle is closed when its write returns or throws, before the agreement.
    comm::run_agreed(world, [&] { write(temporary); });
  } catch (const comm::CollectiveError&) {
    if (world.rank() == 0) std::remove(temporary.c_str());
    throw;
  }
  comm::run_agreed(world, [&] {
    if (world.rank() == 0) publish_file(temporary, path);
  });
}

}  // namespace psml::cli
