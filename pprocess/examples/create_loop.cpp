// pprocess::create by hand: a created process and its creator exchange values in a loop.
#include <iostream>
#include <string>

#include "pprocess/pprocess.hpp"
#include "usage.hpp"

int main(int argc, char** argv) {
  usage::no_arguments(argc, argv,
                      "Forks with pprocess::create and sends the created process 0 to 100; it\n"
                      "prints each number below 100, then replies \"Done\", which is printed.\n");
  constexpr int kLimit = 100;

  // Forks: both processes carry on from here, each holding one end of the channel.
  pprocess::Child channel = pprocess::create();

  if (channel.pid() == 0) {
    // The created process prints what it is sent until the limit comes, then replies.
    try {
      int i = channel.receive<int>();
      while (i < kLimit) {
        std::cout << i << '\n';
        i = channel.receive<int>();
      }
      std::cout.flush();  // so that our lines come out before the creator prints the reply
      channel.send(std::string("Done"));
    } catch (...) {
      pprocess::exit(channel, 1);
    }
    pprocess::exit(channel);  // never fall through into the creator's code below
  }

  // The creator: each send returns once the created process has received the value.
  for (int i = 0; i <= kLimit; ++i) channel.send(i);
  std::cout << channel.receive<std::string>() << '\n';
}
