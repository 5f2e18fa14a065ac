// A folder that one process writes into at a time: a run's folder or checkpoint folder. The lock
// is the file .psml.lock in the folder, held with flock(2) for the holder's life, and naming the
// holder (pid, host, start time, command) for whoever finds it taken.
//
//   psml::FolderLock lock("runs/a", "--run-dir runs/a");  // throws if another process holds it
//
// The kernel releases an flock when its holder exits, however it exits: the file a crashed holder
// leaves behind is a stale lock, taken over at once. Linux maps flock onto NFSv4 byte-range
// locks, so the lock holds across the hosts of a cluster too.
#pragma once

#include <string>

namespace psml {

class FolderLock {
 public:
  static constexpr const char* kFileName = ".psml.lock";

  // Takes the lock of the existing folder `folder`. Throws an Error "LABEL: in use by psml pid
  // 1234 on host h since 2026-12-08T01:02:03Z (COMMAND)" when another process holds it, or naming
  // the folder when the lock file cannot be made. `label` names the folder as the user gave it
  // ("--run-dir runs/a"). On a file system without locks the folder is not locked: held() is
  // false and note() says why.
  FolderLock(const std::string& folder, const std::string& label);
  // Releases the lock and removes the lock file.
  ~FolderLock();
  FolderLock(FolderLock&& other) noexcept;
  FolderLock& operator=(FolderLock&&) = delete;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

  bool held() const { return fd_ >= 0; }
  const std::string& note() const { return note_; }

  // "psml pid 1234 on host h since 2026-12-08T01:02:03Z (psml train ...)": this process, as its
  // lock file names it.
  static std::string describe_this_process();

 private:
  std::string path_;
  int fd_ = -1;
  std::string note_;
};

}  // namespace psml
