#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "tests/test_util.h"

int main(int argc, char** argv) {
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  std::printf("tunas tests: TUNAS_TEST_SEED=%llu (set it to replay)\n",
              static_cast<unsigned long long>(tunas::test::base_seed()));
  return context.run();
}
