// The `pygmy` command: its subcommands wired together; each lives in a file of its own.
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include <CLI/CLI.hpp>

#include "build_info.hpp"
#include "collect_command.hpp"
#include "command_line.hpp"
#include "render_command.hpp"
#include "speedup_command.hpp"

namespace {

// The subcommand `argv` names, when its first word is one of `app`'s (nullptr otherwise).
const CLI::App* command_named(const CLI::App& app, int argc, char** argv) {
  if (argc < 2) {
    return nullptr;
  }
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (command->get_name() == argv[1]) {
      return command;
    }
  }
  return nullptr;
}

// Why the command line names no command, when its first word is not one of `app`'s commands
// (empty otherwise): CLI11 would only say that one is required.
std::string unknown_command_problem(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-' || command_named(app, argc, argv) != nullptr) {
    return "";
  }
  std::string names;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + command->get_name();
  }
  return "unknown command '" + std::string(argv[1]) + "'; the commands are: " + names;
}

// Where to read more about a command line that did not parse: its subcommand's help.
std::string help_for(const CLI::App& app, int argc, char** argv) {
  const CLI::App* command = command_named(app, argc, argv);
  return command == nullptr ? "pygmy --help" : "pygmy " + command->get_name() + " --help";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pygmy: a raytracer whose row bands are rendered by parallel processes."};
  app.name("pygmy");
  app.require_subcommand(1);
  app.set_version_flag("--version", pygmy::app::software());
  app.footer(pygmy::app::scenes_note() + "\nThe options of a render: pygmy render --help");

  pygmy::app::RenderOptions render_options;
  const CLI::App* render = pygmy::app::add_render_command(app, render_options);
  pygmy::app::CollectOptions collect_options;
  const CLI::App* collect = pygmy::app::add_collect_command(app, collect_options);
  pygmy::app::SpeedupOptions speedup_options;
  const CLI::App* speedup = pygmy::app::add_speedup_command(app, speedup_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (const std::string unknown = unknown_command_problem(app, argc, argv); !unknown.empty()) {
      std::cerr << "pygmy: " << unknown << " (see 'pygmy --help')\n";
      return pygmy::app::kUsageError;
    }
    std::cerr << "pygmy: " << e.what() << " (see '" << help_for(app, argc, argv) << "')\n";
    return pygmy::app::kUsageError;
  }

  try {
    if (render->parsed()) {
      return pygmy::app::run_render(render_options);
    }
    if (collect->parsed()) {
      return pygmy::app::run_collect(collect_options);
    }
    if (speedup->parsed()) {
      return pygmy::app::run_speedup(speedup_options);
    }
  } catch (const pygmy::app::UsageError& e) {
    std::cerr << "pygmy: " << e.what() << '\n';
    return pygmy::app::kUsageError;
  } catch (const std::bad_alloc&) {
    // Each step that may run out says so itself; this is the rest.
    std::cerr << "pygmy: error: not enough memory\n";
    return pygmy::app::kRenderError;
  } catch (const std::exception& e) {
    std::cerr << "pygmy: error: " << e.what() << '\n';
    return pygmy::app::kRenderError;
  }
  return pygmy::app::kUsageError;  // unreachable: a subcommand is required
}
