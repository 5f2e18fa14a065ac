// The strings users (and checkpoint files) hand psml's option parsers: --consistency,
// --checkpoint-every, PSML_FAULT, the model spec stored in checkpoints, --activation / --init,
// --header. Each parses or fails with psml::Error; what parses describes itself the same way
// after a round trip. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/core/error.hpp"
#include "psml/core/fault_injection.hpp"
#include "psml/data/csv_reader.hpp"
#include "psml/models/mlp.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/ps/consistency.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 7) {
      case 0: {
        const auto described = psml::models::ModelSpec::parse(text).describe();
        if (psml::models::ModelSpec::parse(described).describe() != described) __builtin_trap();
        break;
      }
      case 1: {
        const auto consistency = psml::ps::Consistency::parse(text);
        if (psml::ps::Consistency::parse(consistency.describe()).describe() !=
            consistency.describe())
          __builtin_trap();
        break;
      }
      case 2:
        if (psml::checkpoint::Every::parse(text).count < 1) __builtin_trap();
        break;
      case 3:
        psml::FaultInjector::parse(text);
        break;
      case 4:
        psml::models::parse_activation(text);
        break;
      case 5:
        psml::models::parse_init(text, psml::models::Activation::kTanh);
        break;
      default:
        psml::data::parse_csv_header(text);
        break;
    }
  } catch (const psml::Error&) {
  }
  return 0;
}
