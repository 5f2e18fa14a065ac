// The LZF compression filter (HDF5 filter id 32000) as h5py registers it, over Debian's liblzf:
// files h5py wrote with compression="lzf" read (and write) like any other. Registered once, by
// the first h5::File opened or created.
#pragma once

namespace psml::data {

inline constexpr int kLzfFilterId = 32000;

// Registers the filter with HDF5 (idempotent; HDF5's own registry keeps it for the process).
void register_lzf_filter();

}  // namespace psml::data
