// The process's peak resident memory, for the memory figures runs report, and byte counts for
// people.
#pragma once

#include <string>

namespace psml {

// "512.0 KiB", "4.0 MiB", "2.5 GiB".
std::string describe_bytes(double bytes);

// Peak resident set size of this process so far, in MiB (getrusage).
double peak_resident_mib();

}  // namespace psml
