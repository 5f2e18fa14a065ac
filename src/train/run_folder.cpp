#include "psml/train/run_folder.hpp"

#include <ctime>
#include <filesystem>

#include "psml/core/error.hpp"

namespace psml::train {
namespace fs = std::filesystem;

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

}  // namespace psml::train
