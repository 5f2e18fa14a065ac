#include "psml/train/run_folder.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "psml/core/atomic_file.hpp"
#include "psml/core/error.hpp"

namespace psml::train {
namespace fs = std::filesystem;
namespace {

bool is_checkpoint_file(const std::string& name) {
  constexpr std::string_view prefix = "ckpt-", suffix = ".h5";
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix))
    return false;
  const auto digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A file psml writes into a run folder or a checkpoint folder, or its temporary (".NAME.tmp",
// core/atomic_file.hpp) left by a run that stopped while writing it.
bool is_run_file(const std::string& name) {
  if (name.size() > 5 && name.front() == '.' && name.ends_with(".tmp"))
    return is_run_file(name.substr(1, name.size() - 5));
  return name == "config.toml" || name == "metrics.jsonl" || name == "trace.json" ||
         name == "latest" || is_checkpoint_file(name);
}

// "config.toml, metrics.jsonl, checkpoints/ and 3 more"
std::string listing(const std::vector<std::string>& names) {
  std::string text;
  const std::size_t shown = std::min<std::size_t>(names.size(), 4);
  for (std::size_t i = 0; i < shown; ++i) text += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > shown) text += detail::concat(" and ", names.size() - shown, " more");
  return text;
}

// Removes run_files_in(folder); of a subfolder, what is psml's, and the subfolder once empty.
void remove_run_files(const fs::path& folder, const std::string& label) {
  // First what makes the folder a run to resume: were the removal cut short, what is left is
  // not taken for a whole run.
  std::vector<std::string> names = run_files_in(folder.string());
  std::stable_partition(names.begin(), names.end(), [](const std::string& name) {
    return name == "latest" || name == "config.toml";
  });
  for (const auto& name : names) {
    const bool subfolder = name.ends_with("/");
    const fs::path path = folder / (subfolder ? name.substr(0, name.size() - 1) : name);
    std::error_code ec;
    if (subfolder) {
      remove_run_files(path, label);
      fs::remove(path, ec);  // fails, as it should, while files not psml's remain there
      continue;
    }
    if (!fs::remove(path, ec) && ec)
      throw error(label, ": cannot remove ", path.string(), " (--overwrite): ", ec.message());
  }
  sync_folder(folder.string());  // removed for good before the run writes anything
}

// Whether `folder`'s run is the one --resume continues: the folder `resumed` itself, or the run
// folder whose checkpoints/ it is.
bool continues(const std::string& folder, const std::string& resumed) {
  if (resumed.empty()) return false;
  std::error_code here_ec, there_ec;
  const auto here = fs::weakly_canonical(folder, here_ec);
  const auto there = fs::weakly_canonical(resumed, there_ec);
  if (here_ec || there_ec) return false;
  return here == there || (here == there.parent_path() && is_run_folder(here.string()));
}

bool same_folder(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec);
}

}  // namespace

std::string make_run_folder(const std::string& requested, const std::string& model,
                            const std::string& mode) {
  std::error_code ec;
  if (requested != "auto") {
    fs::create_directories(requested, ec);
    if (ec || !fs::is_directory(requested))
      throw error("--run-dir ", requested,
                  ": cannot make the folder: ", ec ? ec.message() : "a file of that name exists");
    return requested;
  }
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", &local);
  fs::create_directories("runs", ec);
  if (ec) throw error("--run-dir auto: cannot make the folder runs: ", ec.message());
  for (int n = 1;; ++n) {
    const std::string path =
        "runs/" + std::string(date) + "-" + model + "-" + mode + "-" + std::to_string(n);
    // create_directory is false for a folder that exists: another run took that number.
    if (fs::create_directory(path, ec)) return path;
    if (ec) throw error("--run-dir auto: cannot make ", path, ": ", ec.message());
  }
}

bool is_run_folder(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(path) / "config.toml", ec);
}

std::string folder_of_resume(const std::string& resume) {
  if (resume.empty()) return {};
  const fs::path from(resume);
  std::error_code ec;
  if (fs::is_directory(from, ec)) return from.string();
  return from.has_parent_path() ? from.parent_path().string() : ".";
}

std::vector<std::string> run_files_in(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code type_ec;
    if (entry.is_directory(type_ec)) {
      // The run folder's checkpoints, --early-stop's best epoch.
      if ((name == "checkpoints" || name == "best") && !run_files_in(entry.path()).empty())
        names.push_back(name + "/");
    } else if (is_run_file(name)) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

RunFolders::RunFolders(const FolderClaim& c) {
  // Every folder is locked before any is looked into: the run folder's checkpoints/ may be
  // another folder of this run.
  std::string run_label, checkpoint_label;
  if (!c.run_dir.empty()) {
    run_folder_ = make_run_folder(c.run_dir, c.model, c.mode);
    run_label = "--run-dir " + run_folder_;
    locks_.emplace_back(run_folder_, run_label);
  }
  checkpoint_folder_ = c.checkpoint_dir;
  checkpoint_label = "--checkpoint-dir " + c.checkpoint_dir;
  if (checkpoint_folder_.empty() && !run_folder_.empty()) {
    checkpoint_folder_ = run_folder_ + "/checkpoints";
    checkpoint_label = run_label + " (its checkpoints/)";
  }
  const bool own_checkpoint_folder =
      !checkpoint_folder_.empty() && !same_folder(checkpoint_folder_, run_folder_);
  if (own_checkpoint_folder) {
    std::error_code ec;
    fs::create_directories(checkpoint_folder_, ec);
    if (ec || !fs::is_directory(checkpoint_folder_))
      throw error(checkpoint_label,
                  ": cannot make the folder: ", ec ? ec.message() : "a file of that name exists");
    locks_.emplace_back(checkpoint_folder_, checkpoint_label);
  }
  if (!run_folder_.empty()) claim(run_folder_, run_label, c);
  if (own_checkpoint_folder) claim(checkpoint_folder_, checkpoint_label, c);
}

void RunFolders::claim(const std::string& folder, const std::string& label, const FolderClaim& c) {
  if (continues(folder, c.resumed)) return;
  const auto files = run_files_in(folder);
  if (files.empty()) return;
  if (!c.overwrite)
    throw error(label, ": holds another run's files (", listing(files), "): --resume ", folder,
                " continues that run, --overwrite replaces it");
  remove_run_files(folder, label);
}

std::vector<std::string> RunFolders::notes() const {
  std::vector<std::string> lines;
  for (const auto& lock : locks_)
    if (!lock.held()) lines.push_back(lock.note());
  return lines;
}

}  // namespace psml::train
