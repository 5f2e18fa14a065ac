// psml's one exception type and the checks that raise it.
// A failed check names the values that disagreed, so the one-line error a user sees is actionable.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace psml {

// Everything psml reports to a user. The message is one line, already naming the file, option,
// rank or key range that is at fault; the top-level handler prefixes it with "psml: error: ".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

// Builds an Error from any streamable parts: throw psml::error("file ", path, ": no dataset ",
// name).
template <class... Parts>
Error error(const Parts&... parts) {
  return Error(detail::concat(parts...));
}

}  // namespace psml

// PSML_CHECK_EQ(a, b, context...) throws "context...: a == b failed (3 vs 4)".
#define PSML_CHECK_OP(a, op, b, ...)                                                        \
  do {                                                                                      \
    const auto& psml_a_ = (a);                                                              \
    const auto& psml_b_ = (b);                                                              \
    if (!(psml_a_ op psml_b_))                                                              \
      throw ::psml::error(__VA_ARGS__, ": " #a " " #op " " #b " failed (", psml_a_, " vs ", \
                          psml_b_, ")");                                                    \
  } while (0)
#define PSML_CHECK_EQ(a, b, ...) PSML_CHECK_OP(a, ==, b, __VA_ARGS__)
#define PSML_CHECK_LE(a, b, ...) PSML_CHECK_OP(a, <=, b, __VA_ARGS__)
#define PSML_CHECK_LT(a, b, ...) PSML_CHECK_OP(a, <, b, __VA_ARGS__)
