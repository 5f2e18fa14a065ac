#include "psml/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "psml/core/error.hpp"

namespace psml {
namespace {

namespace fs = std::filesystem;

void fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) throw error(path, ": cannot open to sync: ", std::strerror(errno));
  const int rc = ::fsync(fd);
  const int cause = errno;
  ::close(fd);
  if (rc != 0) throw error(path, ": fsync failed (disk full or failing?): ", std::strerror(cause));
}

}  // namespace

std::string temporary_path_for(const std::string& path) {
  const fs::path target(path);
  std::string name = ".";  // appended piecewise: GCC 12 warns (-Wrestrict) on "." + s + ".tmp"
  name += target.filename().string();
  name += ".tmp";
  return (target.parent_path() / name).string();
}

void publish_file(const std::string& temporary, const std::string& path) {
  fsync_path(temporary, false);
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    throw error(path, ": cannot rename ", temporary, " onto it: ", std::strerror(errno));
  const auto folder = fs::path(path).parent_path();
  fsync_path(folder.empty() ? "." : folder.string(), true);
}

void sync_folder(const std::string& folder) {
  fsync_path(folder, true);
}

void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temporary)>& write) {
  const auto temporary = temporary_path_for(path);
  try {
    write(temporary);
    publish_file(temporary, path);
  } catch (...) {
    std::remove(temporary.c_str());
    throw;
  }
}

void write_file_atomically(const std::string& path, std::string_view text) {
  write_atomically(path, [&](const std::string& temporary) {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) throw error(temporary, ": cannot write (disk full?): ", std::strerror(errno));
  });
}

}  // namespace psml
