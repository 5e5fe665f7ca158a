// Squares three numbers in created processes through an installed pprocess.
#include <iostream>
#include <vector>

#include <pprocess/pprocess.hpp>

int main() {
  auto squares = pprocess::pmap([](int x) { return x * x; }, std::vector{1, 2, 3}, 2);
  int sum = 0;
  for (int s : squares) sum += s;
  std::cout << "sum of squares " << sum << '\n';
  return sum == 14 ? 0 : 1;
}
