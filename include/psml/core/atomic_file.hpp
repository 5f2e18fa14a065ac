// Publishing a file: what psml writes for people and for later runs (checkpoints, model files,
// run folders' records, reports, traces, prediction files, imported data sets) appears under its
// name only complete. It is written under a temporary name beside the target, flushed to the disk
// (fsync), renamed onto the target, and the folder's entry flushed too (fsync of the folder): after
// a crash or power loss the path holds either the previous file or the whole new one, never a part.
//
//   psml::write_file_atomically("run/config.toml", text);
//   psml::write_atomically("model.h5", [&](const std::string& tmp) { save_hdf5(tmp); });
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace psml {

// ".NAME.tmp" beside `path`: where its next version is written (hidden, and never taken for a
// finished file by anything that lists the folder's files by their extension).
std::string temporary_path_for(const std::string& path);

// Makes the complete file `temporary` the file `path`, durably: fsync of the file, rename, fsync
// of the folder. Throws an Error naming the path on any failure.
void publish_file(const std::string& temporary, const std::string& path);

// Runs `write(temporary)`, then publishes the temporary file as `path`; on any failure removes
// the temporary file and rethrows (the previous file at `path`, if any, stays).
void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temporary)>& write);

// Flushes `folder`'s entries to the disk (fsync of the folder): files removed or renamed there
// stay so after a crash. Throws an Error naming the folder on failure.
void sync_folder(const std::string& folder);

// `text` as the whole content of `path`, published atomically.
void write_file_atomically(const std::string& path, std::string_view text);

}  // namespace psml
