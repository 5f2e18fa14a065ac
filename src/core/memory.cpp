#include "psml/core/memory.hpp"

#include <sys/resource.h>

#include <cstdio>

namespace psml {

std::string describe_bytes(double bytes) {
  char text[32];
  if (bytes >= (1 << 30))
    std::snprintf(text, sizeof text, "%.1f GiB", bytes / (1 << 30));
  else if (bytes >= (1 << 20))
    std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1 << 20));
  else
    std::snprintf(text, sizeof text, "%.1f KiB", bytes / (1 << 10));
  return text;
}

double peak_resident_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

}  // namespace psml
