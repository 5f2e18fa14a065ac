#include "psml/data/h5.hpp"
#include "psml/data/lzf_filter.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

#include "psml/core/error.hpp"

namespace psml::h5 {

std::unique_lock<std::recursive_mutex> library_lock() {
  static std::recursive_mutex mutex;
  return std::unique_lock(mutex);
}

namespace {

// HDF5 prints its error stack to stderr by default; psml reports errors itself, in one line.
// Before the first file: HDF5's own error printing off (psml reports errors itself), and the
// filters h5py users write registered (data/lzf_filter.hpp).
void silence_hdf5_errors() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    data::register_lzf_filter();
    return true;
  }();
  (void)silenced;
}

hid_t checked(hid_t id, const std::string& what) {
  if (id < 0) throw Error(what);
  return id;
}

}  // namespace

Handle::Handle(Handle&& other) noexcept
    : id_(std::exchange(other.id_, -1)), close_(std::exchange(other.close_, nullptr)) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0 && close_) close_(id_);
    id_ = std::exchange(other.id_, -1);
    close_ = std::exchange(other.close_, nullptr);
  }
  return *this;
}

Handle::~Handle() {
  if (id_ >= 0 && close_) close_(id_);
}

template <>
hid_t native_type<float>() {
  return H5T_NATIVE_FLOAT;
}
template <>
hid_t native_type<double>() {
  return H5T_NATIVE_DOUBLE;
}
template <>
hid_t native_type<std::int32_t>() {
  return H5T_NATIVE_INT32;
}
template <>
hid_t native_type<std::int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
hid_t native_type<std::uint8_t>() {
  return H5T_NATIVE_UINT8;
}

File File::open_read(const std::string& path) {
  silence_hdf5_errors();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw error(path, ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw error(path, ": is a directory, not a file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw error(path, ": not an HDF5 file (or damaged)");
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) throw error(path, ": cannot open as HDF5 (damaged or truncated?)");
  return File(Handle(id, H5Fclose), path);
}

File File::create(const std::string& path) {
  silence_hdf5_errors();
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) throw error(path, ": cannot create HDF5 file (directory missing or not writable?)");
  return File(Handle(id, H5Fclose), path);
}

File File::create_in_memory(const std::string& name) {
  silence_hdf5_errors();
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (H5Pset_fapl_core(fapl.id(), std::size_t{1} << 20, false) < 0)
    throw error(name, ": cannot set up an in-memory HDF5 file");
  hid_t id = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
  if (id < 0) throw error(name, ": cannot create an in-memory HDF5 file");
  return File(Handle(id, H5Fclose), name);
}

std::vector<char> File::image() const {
  if (H5Fflush(id(), H5F_SCOPE_GLOBAL) < 0) throw error(path_, ": cannot flush the HDF5 file");
  const ssize_t size = H5Fget_file_image(id(), nullptr, 0);
  if (size < 0) throw error(path_, ": cannot take the HDF5 file's image");
  std::vector<char> bytes(static_cast<std::size_t>(size));
  if (H5Fget_file_image(id(), bytes.data(), bytes.size()) != size)
    throw error(path_, ": cannot take the HDF5 file's image");
  return bytes;
}

File File::create_parallel(const std::string& path, MPI_Comm comm) {
  silence_hdf5_errors();
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
#ifdef H5_HAVE_PARALLEL
  H5Pset_fapl_mpio(fapl.id(), comm, MPI_INFO_NULL);
#else
  // The simulation build links the serial HDF5 (a library built against Open MPI cannot run
  // under SMPI): files written by several ranks together are not for it.
  (void)comm;
  throw error(path,
              ": writing one file from several ranks needs the MPI build of HDF5, which "
              "this build (the simulation build) does not have");
#endif
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
  if (id < 0) throw error(path, ": cannot create HDF5 file (directory missing or not writable?)");
  return File(Handle(id, H5Fclose), path);
}

void File::flush() const {
  errno = 0;
  if (H5Fflush(id(), H5F_SCOPE_GLOBAL) < 0) {
    const int cause = errno;
    throw error(path_, ": cannot write: ", cause ? std::strerror(cause) : "disk full?");
  }
}

bool File::has_dataset(const std::string& name) const {
  if (H5Lexists(id(), name.c_str(), H5P_DEFAULT) <= 0) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(id(), name.c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_DATASET;
}

std::vector<std::string> File::dataset_names() const {
  std::vector<std::string> links;
  const auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  if (H5Lvisit(id(), H5_INDEX_NAME, H5_ITER_INC, collect, &links) < 0)
    throw error(path_, ": cannot list its datasets");
  std::erase_if(links, [&](const std::string& name) { return !has_dataset(name); });
  return links;
}

Dataset File::dataset(const std::string& name, bool cache_chunks) const {
  if (!has_dataset(name)) throw error(path_, ": no dataset '/", name, "'");
  Handle access(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose);
  if (!cache_chunks)
    H5Pset_chunk_cache(access.id(), H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT);
  hid_t id = H5Dopen2(handle_.id(), name.c_str(), access.id());
  checked(id, path_ + ": cannot open dataset '/" + name + "'");
  return Dataset(Handle(id, H5Dclose), path_, name);
}

namespace {

std::optional<std::int64_t> read_int_attribute(hid_t object, const std::string& name,
                                               const std::string& path_) {
  if (H5Aexists(object, name.c_str()) <= 0) return std::nullopt;
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  if (H5Tget_class(type.id()) != H5T_INTEGER)
    throw error(path_, ": attribute '", name, "' must be an integer");
  Handle space(H5Aget_space(attr.id()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.id()) != 1)
    throw error(path_, ": attribute '", name, "' must be a scalar");
  std::int64_t value = 0;
  if (H5Aread(attr.id(), H5T_NATIVE_INT64, &value) < 0)
    throw error(path_, ": cannot read attribute '", name, "'");
  return value;
}

void write_int_attribute(hid_t object, const std::string& name, std::int64_t value,
                         const std::string& path_) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  if (!attr.valid() || H5Awrite(attr.id(), H5T_NATIVE_INT64, &value) < 0)
    throw error(path_, ": cannot write attribute '", name, "'");
}

std::optional<double> read_double_attribute(hid_t object, const std::string& name,
                                            const std::string& path_) {
  if (H5Aexists(object, name.c_str()) <= 0) return std::nullopt;
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  const auto type_class = H5Tget_class(type.id());
  if (type_class != H5T_FLOAT && type_class != H5T_INTEGER)
    throw error(path_, ": attribute '", name, "' must be a number");
  Handle space(H5Aget_space(attr.id()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.id()) != 1)
    throw error(path_, ": attribute '", name, "' must be a scalar");
  double value = 0;
  if (H5Aread(attr.id(), H5T_NATIVE_DOUBLE, &value) < 0)
    throw error(path_, ": cannot read attribute '", name, "'");
  return value;
}

}  // namespace

std::optional<double> File::double_attribute(const std::string& name) const {
  return read_double_attribute(id(), name, path_);
}

void File::set_double_attribute(const std::string& name, double value) const {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(id(), name.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  if (!attr.valid() || H5Awrite(attr.id(), H5T_NATIVE_DOUBLE, &value) < 0)
    throw error(path_, ": cannot write attribute '", name, "'");
}

std::optional<std::int64_t> File::int_attribute(const std::string& name) const {
  return read_int_attribute(id(), name, path_);
}

std::optional<std::int64_t> Dataset::int_attribute(const std::string& name) const {
  return read_int_attribute(handle_.id(), name, where());
}

void Dataset::set_attribute(const std::string& name, std::int64_t value) const {
  write_int_attribute(handle_.id(), name, value, where());
}

namespace {

// The text of a fixed-length string as its padding defines it. NULLTERM ends at the first NUL, or
// at the declared size when the writer left no room for one; NULLPAD (numpy bytes, which fill the
// size exactly) and SPACEPAD end before their trailing NULs or spaces.
std::string strip_padding(std::string bytes, H5T_str_t pad, const std::string& where) {
  switch (pad) {
    case H5T_STR_NULLTERM:
      bytes.resize(std::min(bytes.find('\0'), bytes.size()));
      return bytes;
    case H5T_STR_NULLPAD:
      bytes.erase(bytes.find_last_not_of('\0') + 1);  // npos + 1 == 0: all padding
      return bytes;
    case H5T_STR_SPACEPAD:
      bytes.erase(bytes.find_last_not_of(' ') + 1);
      return bytes;
    default:
      throw error(where, ": unknown string padding ", static_cast<int>(pad));
  }
}

}  // namespace

std::optional<std::string> File::string_attribute(const std::string& name) const {
  if (H5Aexists(id(), name.c_str()) <= 0) return std::nullopt;
  const std::string where = path_ + ": attribute '" + name + "'";
  Handle attr(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) throw error(where, ": cannot open");
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  if (H5Tget_class(type.id()) != H5T_STRING) throw error(where, " must be a string");
  // One string is all the buffers below have room for.
  Handle space(H5Aget_space(attr.id()), H5Sclose);
  const hssize_t count = H5Sget_simple_extent_npoints(space.id());
  if (count != 1) throw error(where, " must be a scalar, holds ", count, " strings");
  if (H5Tis_variable_str(type.id()) > 0) {
    // h5py writes a Python str this way (UTF-8). HDF5 allocates the text; H5free_memory hands
    // it back to the allocator HDF5 used (for one string, what H5Dvlen_reclaim would do).
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id(), H5T_VARIABLE);
    H5Tset_cset(mem.id(), H5Tget_cset(type.id()));  // HDF5 does not convert ASCII <-> UTF-8
    char* text = nullptr;
    const herr_t status = H5Aread(attr.id(), mem.id(), &text);
    const std::unique_ptr<char, herr_t (*)(void*)> owned(text, H5free_memory);
    if (status < 0) throw error(where, ": cannot read");
    return text ? std::string(text) : std::string();  // a null pointer is HDF5's empty string
  }
  // Read the stored bytes as they are, into a memory type equal to the file's, then strip the
  // padding here: a conversion to a NULLTERM type of the same size would turn the last byte of
  // a full NULLPAD or SPACEPAD string into the terminator ("classificatio").
  const std::size_t size = H5Tget_size(type.id());
  if (size == 0) throw error(where, ": cannot read its size");
  Handle mem(H5Tcopy(type.id()), H5Tclose);
  std::string bytes(size, '\0');
  if (!mem.valid() || H5Aread(attr.id(), mem.id(), bytes.data()) < 0)
    throw error(where, ": cannot read");
  return strip_padding(std::move(bytes), H5Tget_strpad(type.id()), where);
}

void File::set_attribute(const std::string& name, std::int64_t value) const {
  write_int_attribute(id(), name, value, path_);
}

void File::set_attribute(const std::string& name, const std::string& value) const {
  // Variable-length UTF-8, as h5py writes a Python str: h5py reads it back as str (a fixed-length
  // string comes back as bytes). string_attribute reads both forms, so older files still open.
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle attr(H5Acreate2(id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  const char* text = value.c_str();
  if (!attr.valid() || H5Awrite(attr.id(), type.id(), &text) < 0)
    throw error(path_, ": cannot write attribute '", name, "'");
}

template <class T>
Dataset File::create_dataset(const std::string& name, const std::vector<hsize_t>& dims,
                             const std::vector<hsize_t>& chunk, int gzip_level) const {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (!chunk.empty()) {
    H5Pset_chunk(plist.id(), static_cast<int>(chunk.size()), chunk.data());
    if (gzip_level > 0) H5Pset_deflate(plist.id(), static_cast<unsigned>(gzip_level));
  }
  hid_t id = H5Dcreate2(this->id(), name.c_str(), native_type<T>(), space.id(), H5P_DEFAULT,
                        plist.id(), H5P_DEFAULT);
  checked(id, path_ + ": cannot create dataset '/" + name + "'");
  return Dataset(Handle(id, H5Dclose), path_, name);
}

std::vector<hsize_t> Dataset::dims() const {
  Handle space(H5Dget_space(handle_.id()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 0) throw error(where(), ": cannot read its shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return dims;
}

namespace {

// h5py writes numpy's bool as an enum of int8 with the members FALSE = 0 and TRUE = 1.
bool is_h5py_bool(hid_t type) {
  if (H5Tget_class(type) != H5T_ENUM || H5Tget_size(type) != 1 || H5Tget_nmembers(type) != 2)
    return false;
  std::int8_t value = -1;
  return H5Tenum_valueof(type, "FALSE", &value) >= 0 && value == 0 &&
         H5Tenum_valueof(type, "TRUE", &value) >= 0 && value == 1;
}

}  // namespace

TypeClass Dataset::type_class() const {
  Handle type(H5Dget_type(handle_.id()), H5Tclose);
  switch (H5Tget_class(type.id())) {
    case H5T_INTEGER:
      return TypeClass::kInteger;
    case H5T_FLOAT:
      return TypeClass::kFloat;
    case H5T_STRING:
      return TypeClass::kString;
    case H5T_ENUM:
      return is_h5py_bool(type.id()) ? TypeClass::kBool : TypeClass::kOther;
    default:
      return TypeClass::kOther;
  }
}

std::string Dataset::dtype() const {
  Handle type(H5Dget_type(handle_.id()), H5Tclose);
  const auto bits = std::to_string(8 * H5Tget_size(type.id()));
  switch (H5Tget_class(type.id())) {
    case H5T_INTEGER:
      return (H5Tget_sign(type.id()) == H5T_SGN_NONE ? "uint" : "int") + bits;
    case H5T_FLOAT:
      return "float" + bits;
    case H5T_STRING:
      return "string";
    case H5T_ENUM:
      return is_h5py_bool(type.id()) ? "bool" : "enum";
    case H5T_COMPOUND:
      return "compound";
    default:
      return "other";
  }
}

std::string Dataset::layout() const {
  Handle plist(H5Dget_create_plist(handle_.id()), H5Pclose);
  if (H5Pget_layout(plist.id()) != H5D_CHUNKED) return "contiguous";
  std::vector<hsize_t> chunk(dims().size());
  H5Pget_chunk(plist.id(), static_cast<int>(chunk.size()), chunk.data());
  std::string out = "chunked (";
  for (std::size_t i = 0; i < chunk.size(); ++i) out += (i ? " x " : "") + std::to_string(chunk[i]);
  out += ")";
  const int filters = H5Pget_nfilters(plist.id());
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0;
    std::size_t n = 0;
    char name[64] = {};
    const H5Z_filter_t f = H5Pget_filter2(plist.id(), static_cast<unsigned>(i), &flags, &n, nullptr,
                                          sizeof name, name, nullptr);
    out += f == H5Z_FILTER_DEFLATE   ? ", gzip"
           : f == H5Z_FILTER_SHUFFLE ? ", shuffle"
                                     : ", filter " + std::string(name[0] ? name : "(unnamed)");
    // A filter this HDF5 has no decoder for: say so now, not when the rows fail to read.
    if (H5Zfilter_avail(f) <= 0)
      out += " (id " + std::to_string(f) + ", not available in this HDF5: " +
             ((flags & H5Z_FLAG_OPTIONAL) != 0 ? "optional, chunks written without it still read)"
                                               : "the rows cannot be read)");
  }
  return out;
}

namespace {

// The block of rows [first, first + count) of a dataset of any rank: all its other dimensions.
std::pair<std::vector<hsize_t>, std::vector<hsize_t>> rows_block(const std::vector<hsize_t>& dims,
                                                                 hsize_t first, hsize_t count) {
  std::vector<hsize_t> start(dims.size(), 0), extent = dims;
  start[0] = first;
  extent[0] = count;
  return {start, extent};
}

}  // namespace

template <class T>
void Dataset::read_rows(hsize_t first, hsize_t count, std::span<T> out) const {
  const auto [start, extent] = rows_block(dims(), first, count);
  try {
    read_block<T>(start, extent, out);
  } catch (const Error&) {
    throw error(where(), ": cannot read rows ", first, "..", first + count,
                " (damaged file, or a compression filter this HDF5 lacks)");
  }
}

template <class T>
void Dataset::write_rows(hsize_t first, hsize_t count, std::span<const T> in) const {
  const auto [start, extent] = rows_block(dims(), first, count);
  write_block<T>(start, extent, in);
}

void Dataset::read_selection(const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                             hid_t mem_type, void* out) const {
  Handle file_space(H5Dget_space(handle_.id()), H5Sclose);
  H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                      nullptr);
  Handle mem_space(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                   H5Sclose);
  if (H5Dread(handle_.id(), mem_type, mem_space.id(), file_space.id(), H5P_DEFAULT, out) < 0)
    throw error(where(), ": cannot read (damaged or truncated file?)");
}

template <class T>
void Dataset::read_block(const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                         std::span<T> out) const {
  hsize_t n = 1;
  for (auto c : count) n *= c;
  if (out.size() != n) throw error(where(), ": read buffer has the wrong size");
  if (n == 0) return;
  if (type_class() != TypeClass::kBool)
    return read_selection(start, count, native_type<T>(), out.data());
  // HDF5 converts no enum to a number: read the 0 / 1 bytes as they are and widen them here.
  Handle file_type(H5Dget_type(handle_.id()), H5Tclose);
  Handle mem_type(H5Tget_native_type(file_type.id(), H5T_DIR_ASCEND), H5Tclose);
  std::vector<std::int8_t> bytes(n);
  read_selection(start, count, mem_type.id(), bytes.data());
  std::transform(bytes.begin(), bytes.end(), out.begin(), [](std::int8_t b) { return T(b); });
}

std::vector<std::string> Dataset::read_strings(hsize_t first, hsize_t count) const {
  Handle type(H5Dget_type(handle_.id()), H5Tclose);
  if (H5Tget_class(type.id()) != H5T_STRING)
    throw error(where(), ": holds ", dtype(), ", not strings");
  if (dims().size() != 1) throw error(where(), ": strings must be 1-D (one per row)");
  std::vector<std::string> out;
  out.reserve(count);
  if (count == 0) return out;
  if (H5Tis_variable_str(type.id()) > 0) {
    // h5py's string_dtype(): HDF5 allocates each text; H5Dvlen_reclaim hands them back.
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id(), H5T_VARIABLE);
    H5Tset_cset(mem.id(), H5Tget_cset(type.id()));  // HDF5 does not convert ASCII <-> UTF-8
    std::vector<char*> texts(count, nullptr);
    read_selection({first}, {count}, mem.id(), texts.data());
    for (const char* text : texts) out.emplace_back(text ? text : "");
    Handle space(H5Screate_simple(1, &count, nullptr), H5Sclose);
    H5Dvlen_reclaim(mem.id(), space.id(), H5P_DEFAULT, texts.data());
    return out;
  }
  // Fixed length (numpy bytes, 'S5'): the stored bytes as they are, the padding stripped here.
  const std::size_t size = H5Tget_size(type.id());
  Handle mem(H5Tcopy(type.id()), H5Tclose);
  std::string bytes(count * size, '\0');
  read_selection({first}, {count}, mem.id(), bytes.data());
  const auto pad = H5Tget_strpad(type.id());
  for (hsize_t i = 0; i < count; ++i)
    out.push_back(strip_padding(bytes.substr(i * size, size), pad, where()));
  return out;
}

template <class T>
void Dataset::write_block(const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                          std::span<const T> in) const {
  hsize_t n = 1;
  for (auto c : count) n *= c;
  if (n == 0) return;
  Handle file_space(H5Dget_space(handle_.id()), H5Sclose);
  H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                      nullptr);
  Handle mem_space(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                   H5Sclose);
  errno = 0;  // what the failing write(2) says (EFBIG, ENOSPC) is the useful part of the error
  if (H5Dwrite(handle_.id(), native_type<T>(), mem_space.id(), file_space.id(), H5P_DEFAULT,
               in.data()) < 0) {
    const int cause = errno;
    throw error(where(), ": cannot write: ", cause ? std::strerror(cause) : "disk full?");
  }
}

Handle Dataset::select_columns(const data::StridedRange& columns, hsize_t rows) const {
  Handle file_space(H5Dget_space(handle_.id()), H5Sclose);
  const bool two_d = rows > 0;
  const auto h = [](std::int64_t v) { return static_cast<hsize_t>(v); };
  const auto select = [&](H5S_seloper_t op, std::int64_t first, std::int64_t stride,
                          std::int64_t count, std::int64_t block) {
    const hsize_t start[2] = {0, h(first)}, step[2] = {1, h(stride)}, n[2] = {rows, h(count)},
                  size[2] = {1, h(block)};
    const int skip = two_d ? 0 : 1;  // a 1-D selection uses the column part only
    if (H5Sselect_hyperslab(file_space.id(), op, start + skip, step + skip, n + skip, size + skip) <
        0)
      throw error(where(), ": cannot select columns");
  };
  H5S_seloper_t op = H5S_SELECT_SET;
  if (columns.runs > 0) {
    select(op, columns.first, columns.stride, columns.runs, columns.run);
    op = H5S_SELECT_OR;
  }
  if (columns.tail > 0)
    select(op, columns.first + columns.runs * columns.stride, columns.tail, 1, columns.tail);
  return file_space;
}

template <class T>
void Dataset::read_columns(const data::StridedRange& columns, hsize_t rows,
                           std::span<T> out) const {
  const hsize_t n = static_cast<hsize_t>(columns.count()) * std::max<hsize_t>(rows, 1);
  if (out.size() != n) throw error(where(), ": read buffer has the wrong size");
  if (n == 0) return;
  const auto file_space = select_columns(columns, rows);
  Handle mem_space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  if (H5Dread(handle_.id(), native_type<T>(), mem_space.id(), file_space.id(), H5P_DEFAULT,
              out.data()) < 0)
    throw error(where(), ": cannot read (damaged or truncated file?)");
}

template <class T>
void Dataset::write_columns(const data::StridedRange& columns, hsize_t rows,
                            std::span<const T> in) const {
  const hsize_t n = static_cast<hsize_t>(columns.count()) * std::max<hsize_t>(rows, 1);
  if (in.size() != n) throw error(where(), ": write buffer has the wrong size");
  if (n == 0) return;
  const auto file_space = select_columns(columns, rows);
  Handle mem_space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  errno = 0;  // what the failing write(2) says (EFBIG, ENOSPC) is the useful part of the error
  if (H5Dwrite(handle_.id(), native_type<T>(), mem_space.id(), file_space.id(), H5P_DEFAULT,
               in.data()) < 0) {
    const int cause = errno;
    throw error(where(), ": cannot write: ", cause ? std::strerror(cause) : "disk full?");
  }
}

#define PSML_H5_INSTANTIATE(T)                                                                    \
  template Dataset File::create_dataset<T>(const std::string&, const std::vector<hsize_t>&,       \
                                           const std::vector<hsize_t>&, int) const;               \
  template void Dataset::read_rows<T>(hsize_t, hsize_t, std::span<T>) const;                      \
  template void Dataset::write_rows<T>(hsize_t, hsize_t, std::span<const T>) const;               \
  template void Dataset::read_block<T>(const std::vector<hsize_t>&, const std::vector<hsize_t>&,  \
                                       std::span<T>) const;                                       \
  template void Dataset::write_block<T>(const std::vector<hsize_t>&, const std::vector<hsize_t>&, \
                                        std::span<const T>) const;                                \
  template void Dataset::read_columns<T>(const data::StridedRange&, hsize_t, std::span<T>) const; \
  template void Dataset::write_columns<T>(const data::StridedRange&, hsize_t, std::span<const T>) \
      const;
PSML_H5_INSTANTIATE(float)
PSML_H5_INSTANTIATE(double)
PSML_H5_INSTANTIATE(std::int32_t)
PSML_H5_INSTANTIATE(std::int64_t)
PSML_H5_INSTANTIATE(std::uint8_t)
#undef PSML_H5_INSTANTIATE

}  // namespace psml::h5
