// A folder one run writes into at a time (core/folder_lock.hpp) and what a fresh run finds there
// (train/run_folder.hpp): a second holder is refused naming the first, a crashed holder's lock is
// taken over, another run's files are refused or, with overwrite, removed (and nothing else).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "psml/core/error.hpp"
#include "psml/core/folder_lock.hpp"
#include "psml/train/run_folder.hpp"

namespace fs = std::filesystem;
using psml::FolderLock;

namespace {

class FolderLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("psml-folder-lock-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }
  void touch(const std::string& name) {
    fs::create_directories((folder_ / name).parent_path());
    std::ofstream(folder_ / name) << "x";
  }
  static psml::train::FolderClaim claim(const std::string& run_dir,
                                        const std::string& checkpoint_dir,
                                        const std::string& resumed = "", bool overwrite = false) {
    psml::train::FolderClaim c;
    c.run_dir = run_dir;
    c.checkpoint_dir = checkpoint_dir;
    c.resumed = resumed;
    c.overwrite = overwrite;
    return c;
  }
  std::string error_of(const psml::train::FolderClaim& claim) {
    try {
      psml::train::RunFolders folders(claim);
    } catch (const psml::Error& e) {
      return e.what();
    }
    return "";
  }
  fs::path folder_;
};

TEST_F(FolderLockTest, ASecondHolderIsRefusedNamingTheFirst) {
  const std::string pid = std::to_string(::getpid());
  {
    FolderLock lock(folder_, "--run-dir runs/a");
    EXPECT_TRUE(lock.held());
    std::string text;
    std::getline(std::ifstream(folder_ / FolderLock::kFileName), text);
    EXPECT_EQ(text.rfind("psml pid " + pid + " on host ", 0), 0u) << text;
    // Another open of the lock file is another holder, even in this process.
    try {
      FolderLock second(folder_, "--run-dir runs/a");
      FAIL() << "a second lock was granted";
    } catch (const psml::Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("--run-dir runs/a: in use by psml pid " + pid, 0), 0u)
          << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(folder_ / FolderLock::kFileName)) << "released and removed";
  FolderLock again(folder_, "--run-dir runs/a");
  EXPECT_TRUE(again.held());
}

TEST_F(FolderLockTest, ACrashedHoldersLockIsTakenOver) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    static_cast<void>(new FolderLock(folder_, "--checkpoint-dir ck"));  // never released
    ::_exit(0);  // as a crash: no destructor runs
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(fs::exists(folder_ / FolderLock::kFileName)) << "the stale lock file stays";
  FolderLock lock(folder_, "--checkpoint-dir ck");
  EXPECT_TRUE(lock.held());
}

TEST_F(FolderLockTest, AnotherProcessHoldingItIsNamed) {
  int ready[2], done[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(done), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FolderLock lock(folder_, "--checkpoint-dir ck");
    char c = 1;
    static_cast<void>(::write(ready[1], &c, 1));
    static_cast<void>(::read(done[0], &c, 1));
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  try {
    FolderLock lock(folder_, "--checkpoint-dir ck");
    ADD_FAILURE() << "the lock was granted while another process held it";
  } catch (const psml::Error& e) {
    EXPECT_NE(std::string(e.what()).find("in use by psml pid " + std::to_string(child) + " "),
              std::string::npos)
        << e.what();
  }
  ASSERT_EQ(::write(done[1], &c, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  FolderLock lock(folder_, "--checkpoint-dir ck");
  EXPECT_TRUE(lock.held());
}

TEST_F(FolderLockTest, RunFilesAreOnlyPsmls) {
  for (const char* name : {"config.toml", "metrics.jsonl", "trace.json", "notes.txt",
                           "checkpoints/ckpt-000000000032.h5", "checkpoints/latest", "empty/x",
                           "ckpt-12.h5", "ckpt-x.h5", ".latest.tmp", "point.toml"})
    touch(name);
  fs::create_directories(folder_ / "best");  // empty: not a run's
  EXPECT_EQ(psml::train::run_files_in(folder_),
            (std::vector<std::string>{".latest.tmp", "checkpoints/", "ckpt-12.h5", "config.toml",
                                      "metrics.jsonl", "trace.json"}));
}

TEST_F(FolderLockTest, AFreshRunIsRefusedAFolderWithAnotherRunsFiles) {
  touch("ckpt-000000000157.h5");
  touch("latest");
  const std::string ck = folder_.string();
  EXPECT_EQ(error_of(claim("", ck)),
            "--checkpoint-dir " + ck + ": holds another run's files (ckpt-000000000157.h5, " +
                "latest): --resume " + ck + " continues that run, --overwrite replaces it");
  EXPECT_TRUE(fs::exists(folder_ / "ckpt-000000000157.h5"));
  EXPECT_EQ(error_of(claim("", ck, ck)), "") << "a resume continues it";
}

TEST_F(FolderLockTest, OverwriteRemovesOnlyPsmlsFiles) {
  for (const char* name :
       {"config.toml", "metrics.jsonl", "notes.txt", "checkpoints/ckpt-000000000032.h5",
        "checkpoints/latest", "checkpoints/mine.txt"})
    touch(name);
  const std::string run = folder_.string();
  EXPECT_NE(error_of(claim(run, ""))
                .find("holds another run's files (checkpoints/, "
                      "config.toml, metrics.jsonl)"),
            std::string::npos);
  {
    psml::train::RunFolders folders(claim(run, "", "", true));
    EXPECT_EQ(folders.checkpoint_folder(), run + "/checkpoints");
    EXPECT_TRUE(fs::exists(folder_ / "checkpoints" / FolderLock::kFileName));
  }
  EXPECT_TRUE(psml::train::run_files_in(run).empty());
  EXPECT_TRUE(fs::exists(folder_ / "notes.txt"));
  EXPECT_TRUE(fs::exists(folder_ / "checkpoints/mine.txt"));
  EXPECT_FALSE(fs::exists(folder_ / FolderLock::kFileName));
}

}  // namespace
