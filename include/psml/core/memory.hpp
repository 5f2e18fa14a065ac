// The process's peak resident memory, for the memory figures runs report.
#pragma once

namespace psml {

// Peak resident set size of this process so far, in MiB (getrusage).
double peak_resident_mib();

}  // namespace psml
