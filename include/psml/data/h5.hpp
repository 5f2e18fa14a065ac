// RAII over the HDF5 C API: files, datasets, dataspaces, types and attributes close themselves.
// HDF5's own error printing is silenced; every failure becomes a psml::Error naming the file and
// the object.
#pragma once

#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "psml/data/row_range.hpp"

namespace psml::h5 {

// Debian's HDF5 is built without thread safety: a thread that uses HDF5 while another may
// (data/streaming_shard.hpp's prefetch thread) holds this process-wide lock around each use.
std::unique_lock<std::recursive_mutex> library_lock();

// One HDF5 identifier and the function that closes it.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();

  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// kBool: h5py's numpy bool, an HDF5 enum of 8-bit integers FALSE = 0, TRUE = 1 (read as 0 / 1);
// kString: fixed- or variable-length strings (read with Dataset::read_strings).
enum class TypeClass { kInteger, kFloat, kBool, kString, kOther };

// The numeric element types psml reads and writes; HDF5 converts on read.
template <class T>
hid_t native_type();

class Dataset;

class File {
 public:
  // Opens an existing file read-only; errors name the file ("no such file", "not an HDF5 file").
  static File open_read(const std::string& path);
  // Creates (truncates) a file for writing.
  static File create(const std::string& path);
  // Creates a file collectively over `comm` with MPI-IO (parallel HDF5): every rank of comm calls
  // it, and every later create_dataset and set_attribute, with the same arguments.
  static File create_parallel(const std::string& path, MPI_Comm comm);
  // Creates a file that lives in memory only (HDF5's core driver, no backing store); image()
  // returns its bytes. For a writer that must meet every write error itself: a write that fails
  // inside HDF5 (disk full) leaves a file HDF5 can neither close nor clean up at exit.
  static File create_in_memory(const std::string& name);
  std::vector<char> image() const;

  const std::string& path() const { return path_; }
  hid_t id() const { return handle_.id(); }
  // Writes everything HDF5 still buffers; throws psml::Error with the system's reason (e.g.
  // "File too large", "No space left on device"). Collective for parallel files. Closing in the
  // destructor cannot report a failed write: writers call flush() first.
  void flush() const;
  bool has_dataset(const std::string& name) const;
  // The path of every dataset in the file ("X", "train/X"), in HDF5's name order, for the error
  // that says what a file holds.
  std::vector<std::string> dataset_names() const;
  // `cache_chunks` false: no chunk cache (reads of whole uncompressed chunks go straight into
  // the caller's memory; compressed chunks are decompressed into it).
  Dataset dataset(const std::string& name, bool cache_chunks = true) const;

  // Root-group attributes.
  std::optional<std::int64_t> int_attribute(const std::string& name) const;
  // A scalar string in any form HDF5 stores (variable-length; fixed-length NULLTERM, NULLPAD or
  // SPACEPAD), as its bytes (ASCII or UTF-8) without the padding; an array of strings throws.
  std::optional<std::string> string_attribute(const std::string& name) const;
  // A float or integer scalar, as double.
  std::optional<double> double_attribute(const std::string& name) const;
  void set_attribute(const std::string& name, std::int64_t value) const;
  void set_double_attribute(const std::string& name, double value) const;
  // A variable-length UTF-8 string (h5py reads it as str).
  void set_attribute(const std::string& name, const std::string& value) const;
  void set_attribute(const std::string& name, const char* value) const {
    set_attribute(name, std::string(value));
  }

  // A chunked dataset of `dims` elements of type T, gzip-compressed at `gzip_level` (0: none).
  template <class T>
  Dataset create_dataset(const std::string& name, const std::vector<hsize_t>& dims,
                         const std::vector<hsize_t>& chunk, int gzip_level) const;

 private:
  File(Handle handle, std::string path) : handle_(std::move(handle)), path_(std::move(path)) {}
  Handle handle_;
  std::string path_;
};

class Dataset {
 public:
  Dataset(Handle handle, std::string file, std::string name)
      : handle_(std::move(handle)), file_(std::move(file)), name_(std::move(name)) {}

  std::vector<hsize_t> dims() const;
  TypeClass type_class() const;
  // A numpy-style name of the stored type: uint8, int64, float32, ...
  std::string dtype() const;
  // "gzip", "szip", "none", ... and the chunk shape, for `data inspect`.
  std::string layout() const;
  // "<file>:/<name>", used in every error message about this dataset.
  std::string where() const { return file_ + ":/" + name_; }
  const std::string& file() const { return file_; }

  // Reads rows [first, first + count) of a 1-D or 2-D dataset into out (count x columns values),
  // converting to T.
  template <class T>
  void read_rows(hsize_t first, hsize_t count, std::span<T> out) const;
  // Rows [first, first + count) of a 1-D string dataset (h5py's string_dtype() or numpy bytes),
  // each without its padding.
  std::vector<std::string> read_strings(hsize_t first, hsize_t count) const;
  // Writes rows [first, first + count) from `in`.
  template <class T>
  void write_rows(hsize_t first, hsize_t count, std::span<const T> in) const;

  // The block [start, start + count) of a dataset of any rank, read or written as one array.
  template <class T>
  void read_block(const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                  std::span<T> out) const;
  template <class T>
  void write_block(const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                   std::span<const T> in) const;

  // The columns `columns` of a 1-D dataset (rows == 0) or of every row of a 2-D one, read or
  // written as one array (row-major: each row's selected columns in order).
  template <class T>
  void read_columns(const data::StridedRange& columns, hsize_t rows, std::span<T> out) const;
  template <class T>
  void write_columns(const data::StridedRange& columns, hsize_t rows, std::span<const T> in) const;

  std::optional<std::int64_t> int_attribute(const std::string& name) const;
  void set_attribute(const std::string& name, std::int64_t value) const;

 private:
  Handle select_columns(const data::StridedRange& columns, hsize_t rows) const;
  // The block [start, start + count) read into `out` as `mem_type`.
  void read_selection(const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                      hid_t mem_type, void* out) const;

  Handle handle_;
  std::string file_;
  std::string name_;
};

}  // namespace psml::h5
