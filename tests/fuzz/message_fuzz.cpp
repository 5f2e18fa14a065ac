// Bytes received as a message header: they decode into a ps::Message or fail with psml::Error
// (never a crash, never an allocation the bytes merely claim). What decodes re-encodes to bytes
// that decode to the same encoding.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "psml/comm/message_codec.hpp"
#include "psml/core/error.hpp"
#include "psml/ps/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  psml::ps::Message message;
  try {
    psml::comm::decode(std::span<const char>(reinterpret_cast<const char*>(data), size), message);
  } catch (const psml::Error&) {
    return 0;
  }
  const auto bytes = psml::comm::encode(message);
  psml::ps::Message again;
  psml::comm::decode(std::span<const char>(bytes), again);
  if (psml::comm::encode(again) != bytes) __builtin_trap();
  return 0;
}
