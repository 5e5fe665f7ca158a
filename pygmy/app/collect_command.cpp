// `pygmy collect`: collects a render started with `pygmy render --background`, writing its image.
#include "collect_command.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <variant>

#include "background.hpp"
#include "command_line.hpp"
#include "outputs.hpp"
#include "pprocess/error.hpp"
#include "pprocess/persistent.hpp"
#include "progress.hpp"
#include "pygmy/image.hpp"
#include "pygmy/output_file.hpp"
#include "pygmy/tiff.hpp"
#include "render_summary.hpp"
#include "signals.hpp"

namespace pygmy::app {

namespace {

// How long a collect that has written its image waits for the background process to end.
constexpr std::chrono::seconds kEndWait{10};
// How often a collect asks again while another collect holds the render.
constexpr std::chrono::milliseconds kBusyRetry{250};

using Seconds = std::chrono::duration<double>;

// "60 s", "0.5 s": a wait, for messages.
std::string seconds_text(Seconds wait) {
  std::string text = std::to_string(wait.count());
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') {
    text.pop_back();
  }
  return text + " s";
}

std::string quoted(const std::string& address) { return "'" + address + "'"; }

// "the render at 'ADDRESS' was already collected, into FILE", when its record says so.
std::optional<std::string> collected_problem(const std::string& address) {
  const std::optional<std::string> into = collected_into(address);
  if (!into) {
    return std::nullopt;
  }
  const std::string collected = "the render at " + quoted(address) + " was already collected";
  if (into->empty()) {
    return collected + " (its record " + quoted(collected_marker(address)) +
           " is empty: the file it went into is not known)";
  }
  return collected + ", into " + *into;
}

// Why there is no render to collect at `address` any more: collected, or ended some other way
// without delivering its image.
std::string ended_problem(const std::string& address) {
  return collected_problem(address).value_or("the render at " + quoted(address) +
                                             " ended without delivering its image");
}

// Why connecting to `address` found no render, from connect_persistent's error; `answer` is how
// long it waited for the render's answer.
std::string connect_problem(const std::string& address, const std::system_error& error,
                            Seconds answer) {
  if (error.code() == std::errc::no_such_file_or_directory) {
    return collected_problem(address).value_or(
        "nothing renders at " + quoted(address) +
        ": no background render was started there ('pygmy render --background " + address + "')");
  }
  struct stat there {};
  if (::lstat(address.c_str(), &there) != 0) {
    return error.what();
  }
  if (!S_ISSOCK(there.st_mode)) {
    return quoted(address) + " is not a render's socket but " + kind_of(there.st_mode);
  }
  if (there.st_uid != ::geteuid()) {
    return quoted(address) + " is the socket of " + user_named(there.st_uid) +
           ", not a render of yours";
  }
  if (error.code() == std::errc::connection_refused) {
    return "the render at " + quoted(address) +
           " was killed before it delivered its image: its socket is there, but no process "
           "listens on it (render it again)";
  }
  if (error.code() == std::errc::timed_out) {
    return "the process at " + quoted(address) + " accepted the connection but did not answer in " +
           seconds_text(answer) + ": it is not a pygmy background render, or it is stuck";
  }
  return error.what();
}

// A connection to the background render at `address`; std::runtime_error saying why there is
// none. While another collect holds the render, says so (once for each) and asks again, until
// `wait` has passed; the render's answer is waited for as long as the library's hello deadline,
// or what is left of `wait` when that is shorter.
pprocess::Channel connect_to_render(const std::string& address, Seconds wait) {
  using Clock = std::chrono::steady_clock;
  // A wait of centuries ("1e308") is as long as it takes, not an overflow.
  const Clock::time_point give_up =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::min(wait, Seconds(1e9)));
  pid_t named = 0;  // the last collect named as the one connected
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - Clock::now());
    const std::chrono::milliseconds answer =
        std::clamp(left, std::chrono::milliseconds(1000), pprocess::kConnectTimeout);
    try {
      return pprocess::connect_persistent(address, answer);
    } catch (const pprocess::Busy& e) {
      const std::string holder =
          std::string("another collect, pid ").append(std::to_string(e.holder()));
      if (Clock::now() >= give_up) {
        throw std::runtime_error(
            holder + ", is still connected to the render at " + quoted(address) + " after " +
            seconds_text(wait) + ": giving up (if it is stopped, 'kill -CONT " +
            std::to_string(e.holder()) + "' or end it; or wait longer with --wait)");
      }
      if (e.holder() != named) {
        std::fprintf(stderr, "pygmy: %s, is connected to the render at %s; waiting (at most %s)\n",
                     holder.c_str(), quoted(address).c_str(), seconds_text(wait).c_str());
        named = e.holder();
      }
      std::this_thread::sleep_for(
          std::min(kBusyRetry, std::max(left, std::chrono::milliseconds(1))));
    } catch (const std::system_error& e) {
      throw std::runtime_error(connect_problem(address, e, answer));
    } catch (const pprocess::ChannelClosed&) {
      throw std::runtime_error(ended_problem(address));  // it was ending as we connected
    } catch (const pprocess::ProtocolError& e) {
      throw std::runtime_error(quoted(address) + " is not a pygmy background render: " + e.what());
    }
  }
}

// A message of the render, received so that its image is written before the render learns that
// it arrived. A channel acknowledges a value only once it has decoded it, so the image is written
// (and the collect recorded) while it is decoded: a collect that cannot write it (a full disk,
// -o /dev/full) or that is killed meanwhile never acknowledges it, and the render keeps it for
// the next collect. Its bytes are those of a BackgroundMessage, which the render sends.
//   WrittenBeforeReceipt received([&](BackgroundImage& image) { write(image); });
//   render.receive_into(received);
class WrittenBeforeReceipt {
 public:
  using Writer = std::function<void(BackgroundImage&)>;

  explicit WrittenBeforeReceipt(Writer write) : write_(std::move(write)) {}

  template <class Archive>
  void load(Archive& archive) {
    archive(message_);
    if (auto* image = std::get_if<BackgroundImage>(&message_)) {
      try {
        write_(*image);
      } catch (...) {
        // The channel reports a failed decode as its own error: the writer's is the one to show.
        failure_ = std::current_exception();
        throw;
      }
    }
  }

  [[nodiscard]] BackgroundMessage& message() { return message_; }
  // What the writer threw, when it failed; null otherwise.
  [[nodiscard]] std::exception_ptr failure() const { return failure_; }

 private:
  Writer write_;
  BackgroundMessage message_;
  std::exception_ptr failure_;
};

// Receives the render's next message into `received` (an image is written there, see
// WrittenBeforeReceipt); std::runtime_error saying why there is none, or the writer's error.
void receive_from(pprocess::Channel& render, const std::string& address,
                  WrittenBeforeReceipt& received) {
  try {
    render.receive_into(received);
  } catch (const pprocess::RemoteError& e) {
    throw std::runtime_error("the render at " + quoted(address) + " failed: " + e.type_name() +
                             ": " + e.message());
  } catch (const pprocess::ChannelClosed&) {
    throw std::runtime_error(ended_problem(address));
  } catch (const pprocess::ProtocolError&) {
    if (received.failure()) std::rethrow_exception(received.failure());
    throw;
  }
}

// Waits (a while) for the render to end once it has delivered everything: it removes its
// socket first, so nothing of it is left when the command returns.
void wait_until_gone(pprocess::Channel& render) {
  try {
    static_cast<void>(render.receive<BackgroundMessage>(kEndWait));
  } catch (const pprocess::Error&) {
    // End-of-file, as expected (or, past the wait, the command returns all the same).
  }
}

}  // namespace

CLI::App* add_collect_command(CLI::App& app, CollectOptions& options) {
  CLI::App* collect = app.add_subcommand(
      "collect", "Collect a background render: show its progress, then write its image");
  collect
      ->add_option("address", options.address,
                   "The UNIX socket path given to 'pygmy render --background'")
      ->required()
      ->check(address_problem);
  add_image_file_options(*collect, options.output, options.format, options.compression,
                         options.bits);
  collect->add_flag("-q,--quiet", options.quiet, "No progress bar and no summary line");
  collect
      ->add_option("--wait", options.wait,
                   "Seconds to wait for the render: for its answer (30 at most), and while "
                   "another collect is connected to it")
      ->capture_default_str()
      ->check(seconds_problem);
  collect->footer(
      "Examples:\n"
      "  pygmy render scenes/showcase.json --background r.socket\n"
      "  pygmy collect r.socket                    waits for it, then writes test.tif\n"
      "  pygmy collect r.socket -o big.tif --compression deflate\n"
      "Progress: a bar on stderr when it is a terminal, from the rows the render has done.\n"
      "Ctrl-C (or another signal) ends this command at once, wherever it waits, not the render:\n"
      "a later collect resumes.\n"
      "One collect at a time: while another is connected to the render, this one says so and\n"
      "waits (--wait); a collect stopped (Ctrl-Z) before acknowledging what it was sent is\n"
      "dropped after 30 s, and the render keeps it for the next.\n"
      "The render keeps its image until a collect has written it: one that cannot (a full disk)\n"
      "leaves it to the next.\n"
      "Output: as 'pygmy render' writes it (a temporary beside it, renamed), with the render's\n"
      "summary line. Then ADDRESS.collected records where the image went, and the render ends,\n"
      "removing its socket; a new render at ADDRESS removes the record.\n"
      "Exit status: 0 written; 1 nothing to collect (none started at ADDRESS, already collected,\n"
      "killed, failed) or a file error; 2 usage error.");
  return collect;
}

int run_collect(const CollectOptions& options) {
  try {
    static_cast<void>(source_date_epoch());
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  const ImageFormat format = image_format_for(options.output, options.format, options.compression);
  check_standard_output("-o", options.output);
  // Wherever it waits (for the render's answer, for another collect, inside a message), a signal
  // ends the collect at once, and says so: nothing is lost, what it did not write is the next's.
  const SayOnSignal say(
      "the collect of " + quoted(options.address) +
      " ends; what it has not written stays with the render, for a later collect");
  pprocess::Channel render = connect_to_render(options.address, Seconds(options.wait));
  // Opened before anything is received: an unusable output fails while the render still has
  // its image for a later collect.
  Outputs output({.image = options.output,
                  .image_format = format,
                  .image_options = {.compression = compression_named(options.compression),
                                    .bits_per_sample = options.bits}});
  ProgressBar bar(!options.quiet);
  // From the moment the image is written until its receipt has gone, a signal waits: it then
  // takes effect with the file in place and recorded. Not before: a render that stalls part way
  // through a message must not keep Ctrl-C from ending the collect. And not for a device or FIFO,
  // written in place, which may wait for a reader.
  std::optional<SignalsHeld> held;
  const auto write_image = [&](BackgroundImage& image) {
    if (!output.image_in_place()) {
      held.emplace();
    }
    bar.clear();
    output.describe(std::move(image.description));
    try {
      output.write(Image(image.width, image.height, std::move(image.pixels)));
    } catch (const std::bad_alloc&) {
      throw std::runtime_error(options.output + ": not enough memory to write it");
    }
    try {
      record_collected(options.address, options.output);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pygmy: warning: the collect is not recorded: %s\n", e.what());
    }
  };
  for (;;) {
    WrittenBeforeReceipt received(write_image);
    receive_from(render, options.address, received);
    held.reset();
    BackgroundMessage& message = received.message();
    if (const auto* progress = std::get_if<BackgroundProgress>(&message)) {
      bar.update(progress->done, progress->total);
      continue;
    }
    const auto* image = std::get_if<BackgroundImage>(&message);
    if (image == nullptr) {
      // The end without the image: an earlier collect wrote it.
      throw std::runtime_error(collected_problem(options.address)
                                   .value_or("the render at " + quoted(options.address) +
                                             " was already collected, by a collect that could "
                                             "not record where it wrote the image"));
    }
    static_cast<void>(render.receive<BackgroundMessage>());  // the end: the render may go
    wait_until_gone(render);
    print_summary(options.output, image->summary, options.quiet);
    return 0;
  }
}

}  // namespace pygmy::app
