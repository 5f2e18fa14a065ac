// Row ranges: how rows (or keys) are split across ranks. Contiguous ranges, and strided ones for
// keys dealt out to servers block by block.
#pragma once

#include <cstdint>
#include <ostream>

namespace psml::data {

struct RowRange {
  std::int64_t first = 0;
  std::int64_t count = 0;
  std::int64_t end() const { return first + count; }
  bool contains(std::int64_t row) const { return row >= first && row < end(); }
  bool operator==(const RowRange&) const = default;
};

// Part `index` of `rows` split into `parts` contiguous ranges whose sizes differ by at most one
// (the first rows % parts ranges get the extra row).
RowRange balanced_range(std::int64_t rows, int parts, int index);

// Keys (or rows) in increasing order: `runs` runs of `run` keys, one every `stride` keys from
// `first`, then a shorter last run of `tail` keys right where the next run would start. A
// contiguous range is one run. What HDF5 selects with one strided hyperslab (and one more for
// the tail).
struct StridedRange {
  std::int64_t first = 0;
  std::int64_t run = 0;
  std::int64_t stride = 0;
  std::int64_t runs = 0;
  std::int64_t tail = 0;

  StridedRange() = default;
  StridedRange(std::int64_t first_key, std::int64_t run_keys, std::int64_t stride_keys,
               std::int64_t run_count, std::int64_t tail_keys)
      : first(first_key), run(run_keys), stride(stride_keys), runs(run_count), tail(tail_keys) {}
  // A contiguous range: one run.
  StridedRange(RowRange r)  // NOLINT(google-explicit-constructor): a range is a strided range
      : first(r.first), run(r.count), stride(r.count), runs(r.count > 0 ? 1 : 0) {}

  std::int64_t count() const { return runs * run + tail; }
  bool operator==(const StridedRange&) const = default;

  // Calls f(first key, length) for each run, the tail last; positions in a buffer holding these
  // keys in order follow one another.
  template <class F>
  void for_each_run(F f) const {
    for (std::int64_t r = 0; r < runs; ++r) f(first + r * stride, run);
    if (tail > 0) f(first + runs * stride, tail);
  }
};

inline std::ostream& operator<<(std::ostream& out, const RowRange& r) {
  return out << "[" << r.first << ", " << r.end() << ")";
}

}  // namespace psml::data
