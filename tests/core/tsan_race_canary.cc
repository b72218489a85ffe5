// A deliberate data race through tunas::parallel_for (every chunk adds to one plain sum).
// scripts/sanitizers.sh builds it against build-tsan's core library and requires
// ThreadSanitizer to report it: proof that the TSan stage sees races between parallel_for's
// threads, so its clean kernel run means something.
#include <cstdint>
#include <cstdio>

#include "core/threads.h"

int main() {
  tunas::set_num_threads(2);
  std::int64_t sum = 0;
  tunas::parallel_for(1000, 10, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) sum += i;  // the race
  });
  std::printf("%lld\n", static_cast<long long>(sum));
  return 0;
}
