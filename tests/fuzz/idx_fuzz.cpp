// IDX bytes (the header's declared sizes included) must parse or fail with psml::Error, and never
// allocate more than the bytes hold.
#include <cstddef>
#include <cstdint>

#include "psml/core/error.hpp"
#include "psml/data/idx_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto array = psml::data::parse_idx(data, size, "fuzz.idx");
    // The dims must describe exactly the values read: a product past 2^64 (unless a dim is 0)
    // can never match, whatever it wraps around to.
    std::uint64_t count = 1;
    bool overflow = false, zero = false;
    for (const auto d : array.dims) {
      overflow |= __builtin_mul_overflow(count, std::uint64_t{d}, &count);
      zero |= d == 0;
    }
    if (zero ? !array.values.empty() : (overflow || count != array.values.size())) __builtin_trap();
  } catch (const psml::Error&) {
  }
  return 0;
}
