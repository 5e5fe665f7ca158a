// What the background examples do when a run fails (an address already in use, nothing to
// collect, too few descriptors): say why on stderr, end the background work the run started, and
// exit with status 1.
#pragma once

#include <exception>
#include <filesystem>
#include <iostream>
#include <string>

#include "pprocess/pprocess.hpp"

namespace background {

/// Prints "<program>: <what went wrong>" on stderr and returns 1, main's exit status for a failed
/// run.
///   catch (const std::exception& e) { return background::failed(argv[0], e); }
inline int failed(const char* argv0, const std::exception& error) {
  std::cerr << std::filesystem::path(argv0).filename().string() << ": " << error.what() << '\n';
  return 1;
}

/// Ends the background process serving at `address`, one that this run started and will not
/// collect: it would wait for a client for ever. Collects what it sends, of type T, and drops it:
/// once all of it has been received, the process ends and removes its socket file. Nobody
/// listening there (it has ended already) is nothing to do.
///   background::discard<std::vector<int>>("task.socket");
template <class T>
void discard(const std::string& address) {
  try {
    pprocess::Channel channel = pprocess::connect_persistent(address);
    for (;;) {
      try {
        static_cast<void>(channel.receive<T>());
      } catch (const pprocess::RemoteError&) {
        // Its work failed: the report is dropped as a value would be, and more may follow.
      }
    }
  } catch (const std::exception&) {
    // ChannelClosed: it has delivered everything and ends. Anything else: nobody listens there
    // (it has ended), or the connection broke; either way nothing more can be done.
  }
}

}  // namespace background
