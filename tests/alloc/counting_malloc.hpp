// Counts the heap allocations made while an AllocationCounter lives (single-threaded tests).
#pragma once

namespace psml::testing {

class AllocationCounter {
 public:
  AllocationCounter();
  ~AllocationCounter();
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;
  long allocations() const;
};

}  // namespace psml::testing
