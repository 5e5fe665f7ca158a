// The one-line summary a finished render prints, whether it ran here (`pygmy render`) or in a
// background process (`pygmy collect`).
#include "render_summary.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "command_line.hpp"
#include "pprocess/cores.hpp"
#include "pygmy/schedulers.hpp"
#include "worker_map.hpp"

namespace pygmy::app {

namespace {

// The least CPU time a rate is worked out from: below, the clock's grain is a share of it.
constexpr double kLeastTimedCpuSeconds = 0.01;

// "1 band per process", "6.5 bands per process", "13 bands per thread": a whole number is
// written without decimals.
std::string bands_per_worker(std::size_t bands, std::size_t workers, const std::string& worker) {
  const std::size_t among = std::max<std::size_t>(workers, 1);
  char share[32];
  if (bands % among == 0) {
    std::snprintf(share, sizeof share, "%zu", bands / among);
  } else {
    std::snprintf(share, sizeof share, "%.1f",
                  static_cast<double>(bands) / static_cast<double>(among));
  }
  return std::string(share) + (bands == among ? " band per " : " bands per ") + worker;
}

}  // namespace

RenderSummary summary_of(const Scene& scene, const schedulers::RenderStats& stats) {
  RenderSummary summary{.scene = scene.name,
                        .width = scene.width,
                        .height = scene.height,
                        .scheduler = stats.scheduler,
                        .processes = stats.processes,
                        .bands = stats.bands,
                        .band_rows = stats.band_rows,
                        .planned = stats.planned,
                        .seconds = stats.seconds,
                        .cpu_seconds = stats.cpu_seconds,
                        .forks = stats.forks,
                        .bands_done = stats.bands,
                        .workers = stats.workers,
                        .processes_allowed = stats.processes_allowed,
                        .segments = stats.counters.segments,
                        .cpus = pprocess::available_cpus()};
  if (schedulers::scheduler_named(stats.scheduler).workers == schedulers::Workers::ranks) {
    summary.bands_per_rank.assign(stats.ranks, 0);
    for (int rank : stats.band_worker) ++summary.bands_per_rank.at(static_cast<std::size_t>(rank));
  }
  return summary;
}

void print_summary(const std::string& output, const RenderSummary& summary, bool quiet) {
  const bool threads =
      schedulers::scheduler_named(summary.scheduler).workers == schedulers::Workers::threads;
  if (summary.processes_allowed) {
    std::fprintf(stderr,
                 threads ? "pygmy: warning: the system allowed %u of the %u threads asked for; "
                           "the render went on with those\n"
                         : "pygmy: warning: the system allowed %u of the %u processes asked for "
                           "(out of processes or descriptors); the render went on with those\n",
                 *summary.processes_allowed, summary.processes);
  }
  if (quiet) {
    return;
  }
  if (const std::string note = cpus_note(summary); !note.empty()) {
    std::fprintf(stderr, "pygmy: %s\n", note.c_str());
  }
  // An image on standard output leaves the summary to stderr.
  const bool to_stdout = output == "-";
  FILE* to = to_stdout ? stderr : stdout;
  const char* name = to_stdout ? "standard output" : output.c_str();
  // "16 bands of 13 rows", or for bands planned by cost "12 bands planned by cost, up to 250 rows".
  std::string bands = count_of(summary.bands, "band", "bands");
  bands.append(summary.planned ? " planned by cost, up to " : " of ")
      .append(std::to_string(summary.band_rows))
      .append(" rows");
  if (!summary.bands_per_rank.empty()) {
    std::string per_rank = "bands per rank";
    for (std::size_t count : summary.bands_per_rank) {
      per_rank.append(" ").append(std::to_string(count));
    }
    std::fprintf(to, "pygmy: %s %dx%d, scene %s, %s of %s (%s), %s, %.3f s, CPU %.3f s, %s\n", name,
                 summary.width, summary.height, summary.scene.c_str(),
                 count_of(summary.bands_per_rank.size(), "rank", "ranks").c_str(),
                 count_of(summary.processes, "process", "processes").c_str(),
                 summary.scheduler.c_str(), bands.c_str(), summary.seconds, summary.cpu_seconds,
                 per_rank.c_str());
    return;
  }
  const std::string workers = threads ? count_of(summary.processes, "thread", "threads")
                                      : count_of(summary.processes, "process", "processes");
  std::fprintf(to, "pygmy: %s %dx%d, scene %s, %s (%s), %s, %.3f s, CPU %.3f s", name,
               summary.width, summary.height, summary.scene.c_str(), workers.c_str(),
               summary.scheduler.c_str(), bands.c_str(), summary.seconds, summary.cpu_seconds);
  std::fprintf(to, ", %s, %s", count_of(summary.forks, "fork", "forks").c_str(),
               bands_per_worker(summary.bands_done, summary.workers, threads ? "thread" : "process")
                   .c_str());
  // The tracer's speed, whatever the scheduler: what a core did in each second it worked. Not
  // for a render of a few milliseconds, whose CPU time is too coarse to divide by.
  if (summary.segments > 0 && summary.cpu_seconds >= kLeastTimedCpuSeconds) {
    std::fprintf(to, ", %.1f M segments per CPU second",
                 static_cast<double>(summary.segments) / summary.cpu_seconds / 1e6);
  }
  std::fputc('\n', to);
}

std::string cpus_note(const RenderSummary& summary) {
  const schedulers::Workers workers = schedulers::scheduler_named(summary.scheduler).workers;
  if (summary.cpus == 0 || summary.processes <= summary.cpus ||
      workers == schedulers::Workers::none || workers == schedulers::Workers::ranks) {
    return "";
  }
  const bool threads = workers == schedulers::Workers::threads;
  std::string note = "note: -j ";
  note.append(std::to_string(summary.processes))
      .append(" is more than the ")
      .append(count_of(summary.cpus, "CPU", "CPUs"))
      .append(" this process may use; the ")
      .append(threads ? "threads" : "processes")
      .append(" share them");
  return note;
}

void print_worker_legend(const std::string& file, const schedulers::RenderStats& stats,
                         bool quiet) {
  if (quiet) {
    return;
  }
  const bool ranks =
      schedulers::scheduler_named(stats.scheduler).workers == schedulers::Workers::ranks;
  std::fprintf(stderr, "pygmy: worker map %s, a colour for each %s:\n", file.c_str(),
               ranks ? "rank" : "worker");
  for (const LegendEntry& entry : legend_of(stats)) {
    std::fprintf(stderr, "  %s\n", legend_line(entry, ranks ? "rank" : "worker").c_str());
  }
}

}  // namespace pygmy::app
