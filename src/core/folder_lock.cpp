#include "psml/core/folder_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "psml/core/error.hpp"

namespace psml {
namespace {

// Whether `fd` is the file `path` names now (not one removed, or replaced, since it was opened).
bool names(const std::string& path, int fd) {
  struct stat open_file {};
  struct stat named {};
  return ::fstat(fd, &open_file) == 0 && ::stat(path.c_str(), &named) == 0 &&
         open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
}

std::string contents(int fd) {
  std::string text;
  char buffer[1024];
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, at);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    at += n;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

// The holder writes its description right after taking the lock: a reader that comes in between
// waits a moment for it.
std::string holder_of(int fd) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::string text = contents(fd);
    if (!text.empty()) return text;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return "another process (its lock file does not say which)";
}

// The command line, as one line of at most 300 characters.
std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text)
    if (c == '\0' || c == '\n') c = ' ';
  if (text.size() > 300) text = text.substr(0, 297) + "...";
  return text;
}

}  // namespace

std::string FolderLock::describe_this_process() {
  char host[256] = "unknown";
  ::gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char since[32];
  std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &utc);
  const std::string command = command_line();
  return detail::concat("psml pid ", ::getpid(), " on host ", host, " since ", since,
                        command.empty() ? "" : " (" + command + ")");
}

FolderLock::FolderLock(const std::string& folder, const std::string& label)
    : path_((std::filesystem::path(folder) / kFileName).string()) {
  // A holder removes the file as it releases the lock: a lock taken on the file it removed is
  // no lock, so the file is opened again until the lock is on the one the folder names.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      throw error(label, ": cannot make the lock file ", path_, ": ", std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int cause = errno;
      if (cause == EWOULDBLOCK) {
        const std::string holder = holder_of(fd);
        ::close(fd);
        throw error(label, ": in use by ", holder,
                    "; wait for that run to end, or give this one another folder");
      }
      ::close(fd);
      if (cause != ENOLCK && cause != EOPNOTSUPP && cause != ENOSYS)
        throw error(label, ": cannot lock ", path_, ": ", std::strerror(cause));
      note_ = detail::concat(label,
                             ": not locked (the file system does not lock: ", std::strerror(cause),
                             "); no other run may write into it");
      std::remove(path_.c_str());
      return;
    }
    if (names(path_, fd)) {
      const std::string holder = describe_this_process() + "\n";
      if (::ftruncate(fd, 0) != 0 ||
          ::pwrite(fd, holder.data(), holder.size(), 0) != static_cast<ssize_t>(holder.size())) {
        const int cause = errno;
        ::close(fd);
        throw error(label, ": cannot write the lock file ", path_, ": ", std::strerror(cause));
      }
      fd_ = fd;
      return;
    }
    ::close(fd);
  }
  throw error(label, ": cannot lock ", path_, ": its lock file keeps being replaced");
}

FolderLock::FolderLock(FolderLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), note_(std::move(other.note_)) {
  other.fd_ = -1;
}

FolderLock::~FolderLock() {
  if (fd_ < 0) return;
  // Removed while still held, so that no one takes a lock on a file about to go.
  if (names(path_, fd_)) ::unlink(path_.c_str());
  ::close(fd_);
}

}  // namespace psml
