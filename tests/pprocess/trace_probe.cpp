// A small program for the trace test: two small Maps, one forking a process per task and one
// reusing a process, with at most one process at a time so that tasks wait for a slot. Run with
// PPROCESS_TRACE=1, its stderr shows what pprocess did; each Map is announced there first.
#include <iostream>
#include <vector>

#include "pprocess/map.hpp"

int main() {
  const std::vector<int> inputs{1, 2, 3};
  for (const bool reuse : {false, true}) {
    std::cerr << (reuse ? "map: reuse" : "map: plain") << std::endl;
    pprocess::Map<int> squares({.limit = 1, .reuse = reuse});
    squares([](int x) { return x * x; }, inputs);
    for (const int square : squares) std::cout << square << '\n';
  }
  return 0;
}
