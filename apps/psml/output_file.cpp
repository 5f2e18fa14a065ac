#include "output_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"

namespace psml::cli {

void write_output_file(const std::string& path, const comm::Communicator& world,
                       const std::function<void(const std::string&)>& write) {
  const std::filesystem::path target(path);
  std::string name = ".";  // appended piecewise: GCC 12 warns (-Wrestrict) on "." + s + ".tmp"
  name += target.filename().string();
  name += ".tmp";
  const auto temporary = (target.parent_path() / name).string();
  try {
    // Every rank's file handle is closed when its write returns or throws, before the agreement.
    comm::run_agreed(world, [&] { write(temporary); });
  } catch (const comm::CollectiveError&) {
    if (world.rank() == 0) std::remove(temporary.c_str());
    throw;
  }
  comm::run_agreed(world, [&] {
    if (world.rank() == 0 && std::rename(temporary.c_str(), path.c_str()) != 0)
      throw error(path, ": cannot rename ", temporary, " onto it: ", std::strerror(errno));
  });
}

}  // namespace psml::cli
