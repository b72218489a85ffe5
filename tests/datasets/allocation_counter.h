// Counts heap allocations (global operator new) made by the calling thread while an
// AllocationCounter is alive. allocation_counter.cc replaces the global operator new/delete
// of the test binary with malloc/free plus a thread-local counter.
#pragma once

namespace tunas::test {

class AllocationCounter {
 public:
  AllocationCounter();
  ~AllocationCounter();
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;
  long count() const;  // allocations since construction
};

}  // namespace tunas::test
