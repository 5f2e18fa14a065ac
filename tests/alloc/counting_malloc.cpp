// Every heap allocation of this test program goes through here and is counted while counting is
// on: malloc and friends are defined in the executable, which the dynamic linker prefers over
// libc's (operator new, Eigen's aligned allocations and std::vector all end in one of them), and
// pass on to glibc's own entry points.
#include "counting_malloc.hpp"

#include <cerrno>
#include <cstddef>

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
}

namespace psml::testing {
namespace {
bool counting = false;
long counted = 0;
void count() {
  if (counting) ++counted;
}
}  // namespace

AllocationCounter::AllocationCounter() {
  counted = 0;
  counting = true;
}
AllocationCounter::~AllocationCounter() {
  counting = false;
}
long AllocationCounter::allocations() const {
  return counted;
}

}  // namespace psml::testing

extern "C" {
void* malloc(std::size_t size) {
  psml::testing::count();
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  psml::testing::count();
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) {
  psml::testing::count();
  return __libc_realloc(pointer, size);
}
void* memalign(std::size_t alignment, std::size_t size) {
  psml::testing::count();
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  psml::testing::count();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  psml::testing::count();
  *out = __libc_memalign(alignment, size);
  return *out ? 0 : ENOMEM;
}
}
