// Message headers as bytes and back: Boost.Serialization's binary archive, with a decoder that
// refuses malformed bytes with psml::Error rather than crashing or allocating what they claim.
// Pure (no MPI), so tests and the fuzzer drive it directly; comm/framing.hpp sends the bytes.
#pragma once

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/binary_object.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <sstream>
#include <streambuf>
#include <string>

#include "psml/core/error.hpp"

namespace psml::comm {

// The longest string a message carries (a path, a model spec, the configuration line). Boost's
// own std::string loading resizes to whatever length the bytes declare; ours checks first.
inline constexpr std::uint64_t kMaxMessageString = std::uint64_t{1} << 20;

// Serializes a string field: its length, checked on loading, then its bytes.
template <class Archive>
void serialize_string(Archive& archive, std::string& text) {
  std::uint64_t size = text.size();
  archive& size;
  if constexpr (Archive::is_loading::value) {
    if (size > kMaxMessageString)
      throw error("malformed message: a string of ", size, " bytes (at most ", kMaxMessageString,
                  ")");
    text.resize(static_cast<std::size_t>(size));
  }
  if (size > 0)
    archive& boost::serialization::make_binary_object(text.data(), static_cast<std::size_t>(size));
}

// Serializes a bool field as one byte that must be 0 or 1: Boost loads a bool straight from the
// bytes, and any other value in a bool is undefined behaviour.
template <class Archive>
void serialize_flag(Archive& archive, bool& flag) {
  std::uint8_t byte = flag ? 1 : 0;
  archive& byte;
  if constexpr (Archive::is_loading::value) {
    if (byte > 1) throw error("malformed message: flag byte ", int{byte}, " is not 0 or 1");
    flag = byte == 1;
  }
}

// The bytes of `header` (any Boost-serializable type).
template <class Header>
std::string encode(const Header& header) {
  std::ostringstream out;
  {
    boost::archive::binary_oarchive archive(out, boost::archive::no_header);
    archive << header;
  }
  return out.str();
}

namespace detail {
struct ArrayBuffer : std::streambuf {
  ArrayBuffer(const char* data, std::size_t size) {
    auto* begin = const_cast<char*>(data);  // only ever read
    setg(begin, begin, begin + size);
  }
};
}  // namespace detail

// Decodes `bytes` into `header`. Throws psml::Error on bytes that are not a whole, well-formed
// Header: truncated, an unknown message kind, an oversized string, a bad flag.
template <class Header>
void decode(std::span<const char> bytes, Header& header) {
  detail::ArrayBuffer buffer(bytes.data(), bytes.size());
  std::istream in(&buffer);
  try {
    boost::archive::binary_iarchive archive(in, boost::archive::no_header);
    archive >> header;
  } catch (const boost::archive::archive_exception& e) {
    throw error("malformed message of ", bytes.size(), " bytes: ", e.what());
  }
}

}  // namespace psml::comm
