// Talking both ways: an Exchange's store_data replies on the channel it reads, and the created
// process waits for each reply, so the two count down from 20 together.
#include <iostream>

#include "pprocess/pprocess.hpp"
#include "usage.hpp"

namespace {

/// Answers each number that arrives with the number below it.
class ReplyingExchange : public pprocess::Exchange {
 protected:
  void store_data(pprocess::Channel& channel) override {
    const int data = channel.receive<int>();
    // endl sends each line out at once, so the two processes' lines interleave as they happen.
    std::cout << "Parent: " << data << std::endl;
    channel.send(data - 1);
    std::cout << "Parent sent" << std::endl;
  }
};

/// Runs in the created process: sends `data`, then carries on with the reply, until it is 0.
void child(pprocess::Channel& channel, int data) {
  while (data != 0) {
    std::cout << "Child: " << data << std::endl;
    channel.send(data);
    std::cout << "Child sent" << std::endl;
    data = channel.receive<int>();
  }
}

}  // namespace

int main(int argc, char** argv) {
  usage::no_arguments(argc, argv,
                      "A created process and an Exchange's store_data count down from 20 in\n"
                      "turn, each sending the other the next number.\n");
  ReplyingExchange exchange;
  exchange.add(pprocess::start(child, 20));
  exchange.finish();
}
