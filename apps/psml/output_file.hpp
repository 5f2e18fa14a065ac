// An output file that every rank writes its own rows of (parallel HDF5) appears under its name
// only once complete: it is written under a temporary name beside it and renamed when every rank
// succeeded (core/atomic_file.hpp: fsync of the file and its folder). A failure on any rank
// leaves the path as it was (a previous file stays).
#pragma once

#include <functional>
#include <string>

#include "psml/comm/communicator.hpp"

namespace psml::cli {

// Runs `write(temporary_path)` on every rank inside one agreed phase, then renames. Collective;
// throws comm::CollectiveError on every rank if any rank's write failed.
void write_output_file(const std::string& path, const comm::Communicator& world,
                       const std::function<void(const std::string& temporary_path)>& write);

}  // namespace psml::cli
