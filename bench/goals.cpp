// The goals the benchmark report answers, and where they stand.
#include "goals.hpp"

#include <algorithm>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>

namespace pygmy::bench {

namespace {

// The peers people know, compared with pool when this build has them.
constexpr std::string_view kPeers[] = {"openmp", "tbb"};

// A goal checked in one place or several: what each measured, and the worst miss.
class Checks {
 public:
  // A place where it was measured: `figures` for the measured column; a `shortfall` above 0
  // when it missed there, `missed` then saying how ("missed by 0.04 at showcase").
  void add(std::string figures, double shortfall = 0, std::string missed = "") {
    figures_.push_back(std::move(figures));
    if (shortfall > worst_) {
      worst_ = shortfall;
      missed_ = std::move(missed);
    }
  }
  // Something the goal asks about that the run did not measure ("openmp: not in this run").
  void absent(std::string what) { absent_.push_back(std::move(what)); }

  [[nodiscard]] Goal goal(std::string issue, std::string text) const {
    std::string absent;
    for (const std::string& what : absent_) absent += (absent.empty() ? "" : "; ") + what;
    std::string measured;
    for (const std::string& figure : figures_) measured += (measured.empty() ? "" : "; ") + figure;
    std::string verdict;
    if (figures_.empty()) {
      verdict = "not measured: " + (absent.empty() ? std::string("not in this run") : absent);
    } else {
      verdict = worst_ > 0 ? missed_ : absent.empty() ? "met" : "met where measured";
      if (!absent.empty()) verdict += "; not measured: " + absent;
    }
    return {std::move(issue), std::move(text), measured.empty() ? "–" : measured, verdict};
  }

 private:
  std::vector<std::string> figures_;
  double worst_ = 0;
  std::string missed_;
  std::vector<std::string> absent_;
};

const Panel* panel_titled(const std::vector<Panel>& panels, std::string_view title) {
  const auto found = std::find_if(panels.begin(), panels.end(),
                                  [title](const Panel& panel) { return panel.title == title; });
  return found == panels.end() ? nullptr : &*found;
}

// `name` in backticks: Markdown code.
std::string code(std::string_view name) {
  std::string text = "`";
  text.append(name);
  text += '`';
  return text;
}

std::string jobs(unsigned processes) { return code("-j " + std::to_string(processes)); }

// A miss of `amount` with `digits` decimals, or more when those would show it as nothing.
std::string shortfall(double amount, int digits) {
  while (digits < 4 && fixed(amount, digits) == fixed(0, digits)) ++digits;
  return fixed(amount, digits);
}

std::string percent(double fraction) { return fixed(fraction * 100, 1) + "%"; }

std::string percent_missed(double fraction) { return shortfall(fraction * 100, 1) + "%"; }

// The most processes measured: the CPUs of the run when it says, else the most in any panel.
unsigned most_processes(const RenderFigures& figures) {
  if (figures.cpus > 0) return figures.cpus;
  unsigned most = 1;
  for (const std::vector<Panel>* panels : {&figures.sweep, &figures.scenes}) {
    for (const Panel& panel : *panels) {
      for (const measure::SpeedupRow& row : panel.rows) {
        most = std::max(most, row.configuration.processes);
      }
    }
  }
  return most;
}

// pool's share of the capacity at `processes` in `panel`, against `target`.
void check_share(Checks& checks, const Panel* panel, const std::string& where, unsigned processes,
                 double target) {
  const measure::SpeedupRow* row = panel ? find_row(*panel, "pool", processes) : nullptr;
  if (row == nullptr || !row->of_capacity) {
    checks.absent(where + " " + jobs(processes) +
                  (row == nullptr ? " (pool not in this run)" : " (no capacity in this run)"));
    return;
  }
  const double share = *row->of_capacity;
  checks.add(where + ": " + with_interval(share, row->of_capacity_interval) + " (speedup " +
                 fixed(row->speedup, 2) + ", capacity " + fixed(*row->capacity, 2) + ")",
             target - share, "missed by " + shortfall(target - share, 2) + " at " + where);
}

// The parallel process counts at which `panel` measured both `a` and `b`.
std::vector<unsigned> shared_counts(const Panel& panel, std::string_view a, std::string_view b) {
  std::vector<unsigned> counts;
  for (const measure::SpeedupRow& row : panel.rows) {
    const unsigned p = row.configuration.processes;
    if (p > 1 && row.configuration.scheduler == a && find_row(panel, b, p)) counts.push_back(p);
  }
  return counts;
}

bool has_scheduler(const std::vector<Panel>& panels, std::string_view scheduler) {
  return std::any_of(panels.begin(), panels.end(), [scheduler](const Panel& panel) {
    return std::any_of(panel.rows.begin(), panel.rows.end(), [scheduler](const auto& row) {
      return row.configuration.scheduler == scheduler;
    });
  });
}

// At every size of the sweep and every process count above 1: `a`'s time over `b`'s at most
// `limit`, judged by the median (`by_interval` false) or only where the whole 95% interval lies
// above it (`by_interval` true: not shown slower). The worst place goes in the measured column.
void check_every_size(Checks& checks, const std::vector<Panel>& sweep, std::string_view a,
                      std::string_view b, double limit, bool by_interval) {
  struct Place {
    std::string where;
    TimeRatio ratio;
    double judged;  // what is compared with `limit`
  };
  std::optional<Place> worst;
  for (const Panel& panel : sweep) {
    for (const unsigned p : shared_counts(panel, a, b)) {
      const std::optional<TimeRatio> ratio =
          time_ratio(panel, {std::string(a), p}, {std::string(b), p});
      if (!ratio) continue;
      const double judged = by_interval ? ratio->interval.low : ratio->value;
      if (!worst || judged > worst->judged) {
        worst = Place{panel.title + " " + jobs(p), *ratio, judged};
      }
    }
  }
  const std::string pair = code(a) + " over " + code(b);
  if (!worst) {
    checks.absent(pair + " (not in this run)");
    return;
  }
  checks.add(pair + ": worst " + with_interval(worst->ratio.value, worst->ratio.interval, 2, "×") +
                 " at " + worst->where,
             worst->judged - limit,
             "missed by " + percent_missed(worst->ratio.value / limit - 1) + " at " + worst->where +
                 " (" + pair + (by_interval ? ", its whole interval above " : " above ") +
                 fixed(limit, 2) + "×)");
}

}  // namespace

std::vector<Goal> render_goals(const RenderFigures& figures) {
  const unsigned n = most_processes(figures);
  const Panel* showcase = panel_titled(figures.scenes, "showcase");
  std::vector<Goal> goals;

  {
    Checks checks;
    check_share(checks, showcase, "showcase", 2, 0.95);
    goals.push_back(checks.goal(
        "16", "`pool` reaches at least 0.95 of the measured capacity at `-j 2` on the showcase"));
  }
  {
    Checks checks;
    for (const std::string_view peer : kPeers) {
      if (!has_scheduler(figures.sweep, peer)) {
        checks.absent(code(peer) + " (not in this run)");
        continue;
      }
      check_every_size(checks, figures.sweep, "pool", peer, 1.0, true);
    }
    goals.push_back(checks.goal(
        "16",
        "`pool` no slower than `openmp` and `tbb` at every size of the sweep (every process count "
        "above 1; slower where the 95% interval of its time over theirs lies wholly above 1)"));
  }
  {
    Checks checks;
    check_share(checks, showcase, "showcase", n, 0.97);
    bool large = false;
    for (const Panel& panel : figures.sweep) {
      if (static_cast<long>(panel.width) * panel.height >= 1500L * 1000) {
        check_share(checks, &panel, panel.title, n, 0.97);
        large = true;
      }
    }
    if (!large) checks.absent("the built-in scene at 1500x1000 and above (not in this run)");
    goals.push_back(checks.goal("17", "`pool` reaches at least 0.97 of the measured capacity at " +
                                          jobs(n) +
                                          " on the showcase and on the built-in scene at "
                                          "1500x1000 and above"));
  }
  {
    Checks checks;
    for (const std::string_view peer : kPeers) {
      const std::string name(peer);
      const std::optional<TimeRatio> ratio =
          showcase ? time_ratio(*showcase, {name, n}, {"pool", n}) : std::nullopt;
      if (!ratio) {
        checks.absent(code(name) + " (not in this run)");
        continue;
      }
      // Above 1: pool is faster. Met when 2% faster by the median and faster beyond the interval.
      const double faster = ratio->value - 1;
      const std::string figure = code(name) + "'s time over `pool`'s " +
                                 with_interval(ratio->value, ratio->interval, 2, "×") + ", pool " +
                                 percent(faster) + " faster";
      if (faster < 0.02) {
        checks.add(
            figure, 0.02 - faster,
            "missed by " + shortfall((0.02 - faster) * 100, 1) + " points against " + code(name));
      } else if (ratio->interval.low <= 1) {
        checks.add(figure, 1e-9,
                   "missed: faster than " + code(name) + " by the median, not beyond the interval");
      } else {
        checks.add(figure);
      }
    }
    goals.push_back(checks.goal("17",
                                "`pool` at least 2% faster than `openmp` and `tbb` on the "
                                "showcase at " +
                                    jobs(n) + ", beyond the 95% interval"));
  }
  {
    Checks checks;
    check_every_size(checks, figures.sweep, "exchange", "pool", 1.10, false);
    goals.push_back(checks.goal(
        "17",
        "`exchange` within 1.10× of `pool`'s time at every size of the sweep (every process "
        "count above 1)"));
  }

  {
    Checks checks;
    const measure::SpeedupRow* row = showcase ? find_row(*showcase, "pool", 2) : nullptr;
    if (row == nullptr) {
      checks.absent("`pool` `-j 2` on the showcase (not in this run)");
    } else {
      checks.add(with_interval(row->speedup, row->speedup_interval, 2, "×"), 1.9 - row->speedup,
                 "missed by " + shortfall(1.9 - row->speedup, 2) + "×");
    }
    goals.push_back(checks.goal(
        "earlier", "`pool` (the default) at `-j 2` on the showcase ≥ 1.9× the sequential render"));
  }
  {
    Checks checks;
    for (const Panel& panel : figures.sweep) {
      for (const unsigned p : {1U, 2U}) {
        const std::optional<TimeRatio> ratio = time_ratio(panel, {"pool", p}, {"threads", p});
        if (!ratio) continue;
        const std::string where = panel.title + " " + jobs(p);
        checks.add(where + " " + fixed(ratio->value, 2) + "×", ratio->value - 1.05,
                   "missed by " + percent_missed(ratio->value / 1.05 - 1) + " at " + where);
      }
    }
    goals.push_back(
        checks.goal("earlier",
                    "`pool` (the default) ≤ 1.05× the time of `threads` at every size, `-j 1` and "
                    "`-j 2`"));
  }
  {
    Checks checks;
    const Panel* size = panel_titled(figures.sweep, "1500x1000");
    const std::optional<TimeRatio> ratio =
        size ? time_ratio(*size, {"exchange", 2}, {"threads", 2}) : std::nullopt;
    if (!ratio) {
      checks.absent("`exchange` or `threads` at 1500x1000 `-j 2` (not in this run)");
    } else {
      checks.add(with_interval(ratio->value, ratio->interval, 2, "×"), ratio->value - 1.25,
                 "missed by " + percent_missed(ratio->value / 1.25 - 1));
    }
    goals.push_back(
        checks.goal("earlier", "`exchange` ≤ 1.25× the time of `threads` at 1500x1000 `-j 2`"));
  }
  return goals;
}

std::vector<Goal> machinery_goals(const BenchmarkResults& machinery) {
  std::vector<Goal> goals;
  const auto us = [](double seconds) { return fixed(seconds * 1e6, 1) + " µs"; };
  {
    Checks checks;
    const auto channel = median_seconds(machinery, "BM_ChannelRoundTrip/8/");
    const auto raw = median_seconds(machinery, "BM_SocketpairRoundTrip/8/");
    if (channel && raw) {
      const double ratio = *channel / *raw;
      checks.add(us(*channel) + " against " + us(*raw) + ": " + fixed(ratio, 2) + "×", ratio - 2,
                 "missed by " + percent_missed(ratio / 2 - 1));
    }
    goals.push_back(
        checks.goal("earlier", "channel round trip of 8 B within 2× of the raw socketpair"));
  }
  {
    Checks checks;
    const auto into = median_seconds(machinery, "BM_ChannelRoundTripInto/1048576/");
    const auto fresh = median_seconds(machinery, "BM_ChannelRoundTrip/1048576/");
    const auto raw = median_seconds(machinery, "BM_SocketpairRoundTrip/1048576/");
    if (into && raw) {
      const double share = *raw / *into;
      checks.add("received into a reused vector: " + percent(share) +
                     (fresh ? "; as a fresh vector: " + percent(*raw / *fresh) : ""),
                 0.7 - share, "missed by " + shortfall((0.7 - share) * 100, 1) + " points");
    }
    goals.push_back(checks.goal("earlier",
                                "≥ 70% of the raw socketpair's throughput for 1 MiB "
                                "(`receive_into`)"));
  }
  {
    Checks checks;
    const auto reuse = median_seconds(machinery, "BM_PmapTrivialTasks/reuse:1");
    const auto python = median_seconds(machinery, "BM_PythonPoolTrivialTasks");
    if (!python) checks.absent("Python's `multiprocessing.Pool` (no `python3`)");
    if (reuse && python) {
      const double ratio = *reuse / *python;
      checks.add(
          us(*reuse / 1e4) + " against " + us(*python / 1e4) + " a task: " + fixed(ratio, 2) + "×",
          ratio - 1.0 / 3, "missed by " + percent_missed(ratio * 3 - 1));
    }
    goals.push_back(checks.goal(
        "earlier",
        "per-task overhead of `pmap` with reuse below a third of Python's `multiprocessing.Pool`"));
  }
  return goals;
}

std::string goals_table(const std::vector<Goal>& goals) {
  std::ostringstream out;
  out << "| goal | issue | measured | verdict |\n|---|---|---|---|\n";
  for (const Goal& goal : goals) {
    out << "| " << goal.text << " | " << goal.issue << " | " << goal.measured << " | "
        << goal.verdict << " |\n";
  }
  return out.str();
}

}  // namespace pygmy::bench
