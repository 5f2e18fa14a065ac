#include "psml/data/lzf_filter.hpp"

#include <hdf5.h>
#include <lzf.h>

#include <cerrno>
#include <cstddef>

namespace psml::data {
namespace {

// h5py's convention: cd_values[2], when set, is the chunk's size in bytes once decompressed.
// Returns the bytes now in *buf, 0 on failure (HDF5 then reports the read as failed).
size_t lzf_filter(unsigned int flags, size_t cd_nelmts, const unsigned int cd_values[],
                  size_t nbytes, size_t* buf_size, void** buf) {
  if (flags & H5Z_FLAG_REVERSE) {
    size_t size = cd_nelmts >= 3 && cd_values[2] != 0 ? cd_values[2] : *buf_size;
    for (;;) {
      void* out = H5allocate_memory(size, false);
      if (out == nullptr) return 0;
      errno = 0;
      const unsigned n =
          lzf_decompress(*buf, static_cast<unsigned>(nbytes), out, static_cast<unsigned>(size));
      if (n != 0) {
        H5free_memory(*buf);
        *buf = out;
        *buf_size = size;
        return n;
      }
      H5free_memory(out);
      if (errno != E2BIG || size > (size_t{1} << 31)) return 0;  // corrupt data, or too large
      size *= 2;
    }
  }
  // Compress: a chunk that does not shrink fails, and HDF5 stores it as it is (the filter is
  // optional, as h5py marks it).
  void* out = H5allocate_memory(nbytes, false);
  if (out == nullptr) return 0;
  const unsigned n =
      lzf_compress(*buf, static_cast<unsigned>(nbytes), out, static_cast<unsigned>(nbytes));
  if (n == 0) {
    H5free_memory(out);
    return 0;
  }
  H5free_memory(*buf);
  *buf = out;
  *buf_size = nbytes;
  return n;
}

}  // namespace

void register_lzf_filter() {
  static const bool registered = [] {
    static const H5Z_class2_t lzf = {
        H5Z_CLASS_T_VERS, static_cast<H5Z_filter_t>(kLzfFilterId), 1, 1, "lzf", nullptr, nullptr,
        lzf_filter};
    return H5Zregister(&lzf) >= 0;
  }();
  (void)registered;
}

}  // namespace psml::data
