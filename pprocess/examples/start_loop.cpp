// pprocess::start: a function run in a created process exchanges values with its creator.
#include <iostream>
#include <string>

#include "pprocess/pprocess.hpp"
#include "usage.hpp"

namespace {

/// Runs in the created process: prints what it is sent until `limit` comes, then replies.
void loop(pprocess::Channel& channel, int limit) {
  std::cout << "loop to " << limit << '\n';
  int i = channel.receive<int>();
  while (i < limit) {
    std::cout << i << '\n';
    i = channel.receive<int>();
  }
  std::cout.flush();  // so that our lines come out before the creator prints the reply
  channel.send(std::string("Done"));
}

}  // namespace

int main(int argc, char** argv) {
  usage::no_arguments(argc, argv,
                      "Runs a function in a created process with pprocess::start and sends it 0\n"
                      "to 100; it prints each number below 100, then replies \"Done\", which is\n"
                      "printed.\n");
  constexpr int kLimit = 100;

  // start forks, runs loop(channel, kLimit) in the created process, and ends that process.
  pprocess::Child channel = pprocess::start(loop, kLimit);

  for (int i = 0; i <= kLimit; ++i) channel.send(i);
  std::cout << channel.receive<std::string>() << '\n';
}
