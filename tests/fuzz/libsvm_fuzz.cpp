// LIBSVM text: it must parse into consistent CSR rows or fail with psml::Error. The first byte
// says whether indices are 0-based.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "psml/core/error.hpp"
#include "psml/data/libsvm_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  try {
    const auto parsed = psml::data::parse_libsvm(in, "fuzz.svm", (data[0] & 1) != 0);
    if (parsed.x.indptr.back() != static_cast<std::int64_t>(parsed.x.indices.size()) ||
        parsed.classes.size() != static_cast<std::size_t>(parsed.x.rows()))
      __builtin_trap();
  } catch (const psml::Error&) {
  }
  return 0;
}
