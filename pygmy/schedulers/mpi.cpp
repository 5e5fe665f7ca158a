// The mpi scheduler: one render spread over the ranks of an MPI job; the only file that speaks
// MPI.
//
// The protocol, on MPI_COMM_WORLD. A worker (any rank but 0) keeps kAhead messages to rank 0
// unanswered: it starts with kAhead asks, and sends the pixels of each band it is handed when
// they are done. Rank 0 answers every message with the next band, or with kNoBand once none is
// left (near the end it may hold an answer back until the worker's band in hand is done); a
// worker stops when its last message is answered. A pair of ranks never reorders its
// messages, so rank 0 knows which band each arriving pixels message holds: the oldest it
// handed to that rank and has not received back.
//
// Deadlines, as for a render on one machine (band_timeout, or the rule of band_deadline()): a
// forked worker of a rank whose part of a band is still out past the deadline is ended, and the
// rank renders the part itself (RankWorkers). A rank is given twice that when ranks fork workers
// (it may first wait out a stalled worker of its own): rank 0 ends the job when another rank has
// held a band longer, and another rank ends it when rank 0 has kept it waiting that long. Either
// way the message names the rank that stalled, and the job ends with exit status 1.
#include "pygmy/mpi.hpp"

#include <signal.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <limits>
#include <span>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <mpi.h>
#include <nlohmann/json.hpp>

#include "band_timer.hpp"
#include "pygmy/measure/resource_usage.hpp"
#include "pygmy/scene_file.hpp"
#include "rank_workers.hpp"

namespace pygmy::schedulers::mpi {

namespace {

// MPI, initialised for as long as this lives: one per process, made only by a render that asked
// for the mpi scheduler (a plain `pygmy render` never initialises MPI). MPI's errors end the job
// (its default error handler), so no call here returns a failure.
//   const mpi::Session session;
//   if (session.rank() == 0) { ... }
class Session {
 public:
  Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // This process's rank in the job, from 0.
  [[nodiscard]] int rank() const { return rank_; }
  // The ranks in the job.
  [[nodiscard]] int ranks() const { return ranks_; }

  // Ends every rank of the job with exit status `status`: the way out of a failure the other
  // ranks would otherwise wait on for ever. This rank ends at once with that status, without
  // finalising MPI; mpirun then ends every other rank and exits with it (its default,
  // orte_abort_on_non_zero_status). Destructors do not run: anything to clean up must be gone
  // before.
  [[noreturn]] void abort(int status) const;

  // Sends `text` from rank 0 to every rank, each of which returns it. Rank 0 passes nullopt
  // when it failed before it had anything to send; then every rank returns nullopt.
  //   std::optional<std::string> scene = session.broadcast(rank == 0 ? text : std::nullopt);
  [[nodiscard]] std::optional<std::string> broadcast(std::optional<std::string> text) const;

  // On rank 0, the sum of `value` over every rank; on the others, their own `value`.
  //   double cpu = session.sum_on_rank_zero(cpu_seconds);
  [[nodiscard]] double sum_on_rank_zero(double value) const;

 private:
  int rank_ = 0;
  int ranks_ = 1;
};

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Faults for the tests, from the environment (see faults_of): what no test could do to a rank
// from outside.
struct Faults {
  std::optional<int> kill_at{};         // this rank kills itself (SIGKILL) as it starts band N
  std::optional<int> stop_at{};         // this rank stops (SIGSTOP) as it starts band N
  std::optional<int> stop_worker_at{};  // its first forked worker stops as it starts band N
};

// What every rank renders, and how.
struct BandWork {
  const Scene& scene;
  const std::vector<Band>& bands;
  // Processes of this rank (-j): with 1, this process renders a band a row at a time and looks
  // at its messages between rows; with more, it forks them once (RankWorkers) and shares each
  // band out among them.
  unsigned jobs = 1;
  // The deadline of bands; unset: the rule of band_deadline().
  std::optional<milliseconds> band_timeout{};
  Faults faults{};
};

// How long a rank may hold a band, or keep another waiting for its answer: the deadline of
// bands, twice over when ranks fork workers (a rank may first wait out a stalled worker of its
// own, then render that worker's part itself).
std::optional<milliseconds> rank_deadline(const BandTimer& timer, unsigned jobs) {
  std::optional<milliseconds> deadline = timer.deadline();
  if (deadline && jobs > 1) {
    *deadline = *deadline > milliseconds::max() / 2 ? milliseconds::max() : 2 * *deadline;
  }
  return deadline;
}

// `duration` in seconds, for a message: "30.0 s".
std::string seconds_of(Clock::duration duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", std::chrono::duration<double>(duration).count());
  return text;
}

// Rank 0's part: hands the bands out to the other ranks, one at a time as each asks for one,
// renders bands itself between their messages, and receives each band straight into its rows of
// `image`; calls `progress` (rows done, rows in all) as bands arrive. Returns the rank that
// rendered each band. Waiting for messages, it tests and sleeps rather than spin, so it leaves
// its core to the ranks that render.
//   std::vector<int> band_rank = mpi::gather_bands(session, work, image, progress);
[[nodiscard]] std::vector<int> gather_bands(const Session& session, const BandWork& work,
                                            Image& image,
                                            const std::function<void(int, int)>& progress);

// Every other rank's part: renders the bands rank 0 hands it, sending each back as it is
// done, until rank 0 has none left. It has its next band asked for before it finishes the one
// in hand, so it does not wait for rank 0 between bands (but for the last few: then rank 0 hands
// a band only to a rank that has none, so that the render's last bands end together).
//   if (session.rank() != 0) mpi::render_bands(work);
void render_bands(const BandWork& work);

constexpr int kAsk = 1;     // worker → rank 0, no data: a band, please
constexpr int kPixels = 2;  // worker → rank 0: the pixels of a band, top row first
constexpr int kBand = 3;    // rank 0 → worker: one int, the index of a band, or kNoBand
constexpr int kNoBand = -1;
// A worker's messages awaiting an answer: the band it renders, and the next one on its way.
constexpr int kAhead = 2;

// Open MPI's blocking calls spin, each taking a core while it waits: every wait here tests and
// sleeps instead. 50 µs is far below a band's time and leaves the core to those that render.
void pause() { std::this_thread::sleep_for(std::chrono::microseconds(50)); }

void wait_for(MPI_Request& request) {
  int done = 0;
  MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  while (done == 0) {
    pause();
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  }
}

// Waits for `request` on rank 0's part (an answer of rank 0, pixels it receives) for at most
// `limit` (no limit when unset); std::runtime_error naming rank 0 past it.
void wait_for_rank_zero(MPI_Request& request, std::optional<milliseconds> limit) {
  const Clock::time_point began = Clock::now();
  int done = 0;
  MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  while (done == 0) {
    if (limit && Clock::now() - began > *limit) {
      throw std::runtime_error("rank 0 has kept this rank waiting for " +
                               seconds_of(Clock::now() - began) + ", past the deadline of " +
                               seconds_of(*limit) +
                               ": it has stalled (stopped, or hung); the job ends");
    }
    pause();
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  }
}

int as_count(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::length_error("a message of " + std::to_string(bytes) + " bytes is too long for MPI");
  }
  return static_cast<int>(bytes);
}

// How a rank renders the bands it is given: a row at a time in this process, or shared among
// processes forked once. Counts them, for the fault the tests inject.
class RankRenderer {
 public:
  explicit RankRenderer(const BandWork& work) : work_(work) {
    if (work.jobs <= 1) return;
    RankWorkers::BeforePart stop_worker;
    if (const std::optional<int> at = work.faults.stop_worker_at) {
      stop_worker = [band = *at](unsigned worker, int part) {
        if (worker == 0 && part == band) ::raise(SIGSTOP);
      };
    }
    local_.emplace(work.scene, work.jobs, work.band_timeout, std::move(stop_worker));
  }

  // Renders band `index` into `rows`, calling `between` after each row (or each worker's part).
  void render(int index, std::span<std::uint8_t> rows, const std::function<void()>& between) {
    ++started_;
    if (work_.faults.kill_at == started_) ::raise(SIGKILL);
    if (work_.faults.stop_at == started_) ::raise(SIGSTOP);
    const Band& band = work_.bands[static_cast<std::size_t>(index)];
    if (local_) {
      local_->render(band, rows, between);
      return;
    }
    const std::size_t row_bytes = static_cast<std::size_t>(work_.scene.width) * 3;
    for (int y = band.y0; y < band.y1; ++y) {
      render_band_into(work_.scene, y, y + 1,
                       rows.subspan(static_cast<std::size_t>(y - band.y0) * row_bytes, row_bytes));
      between();
    }
  }

 private:
  const BandWork& work_;
  std::optional<RankWorkers> local_;
  int started_ = 0;
};

Session::Session() {
  MPI_Init(nullptr, nullptr);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks_);
}

Session::~Session() { MPI_Finalize(); }

void Session::abort(int status) const {
  // Not MPI_Abort: with another rank stopped or busy outside MPI (the very rank a deadline ends),
  // Open MPI 4.1's mpirun crashed in PMIx_server_finalize or hung after it in 2 of 5 jobs. A rank
  // that exits non-zero without finalising is ended the way a rank that dies is, which mpirun
  // does reliably: it ends every other rank and reports this rank's status as the job's.
  std::fflush(nullptr);
  std::_Exit(status);
}

std::optional<std::string> Session::broadcast(std::optional<std::string> text) const {
  // The length first, all ones for "nothing": the others size their buffer by it.
  constexpr std::uint64_t kNothing = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t length = text ? text->size() : kNothing;
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibcast(&length, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD, &request);
  wait_for(request);
  if (length == kNothing) return std::nullopt;
  if (rank_ != 0) text.emplace(length, '\0');
  MPI_Ibcast(text->data(), as_count(length), MPI_CHAR, 0, MPI_COMM_WORLD, &request);
  wait_for(request);
  return text;
}

double Session::sum_on_rank_zero(double value) const {
  double sum = value;
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ireduce(&value, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD, &request);
  wait_for(request);
  return rank_ == 0 ? sum : value;
}

std::vector<int> gather_bands(const Session& session, const BandWork& work, Image& image,
                              const std::function<void(int, int)>& progress) {
  const auto count = static_cast<int>(work.bands.size());
  std::vector<int> band_rank(work.bands.size(), 0);
  int next = 0;       // the next band to hand out (or render here)
  int rows_done = 0;  // of bands received or rendered here
  // Of each rank, the bands handed to it whose pixels have not come back, oldest first.
  std::vector<std::deque<int>> handed(static_cast<std::size_t>(session.ranks()));
  // Of each rank, when it began the oldest of those: as it was handed over, or as the band before
  // it came back.
  std::vector<Clock::time_point> since(static_cast<std::size_t>(session.ranks()));
  BandTimer timer(work.band_timeout);  // of the bands of every rank, this one's too
  int no_bands_to_send = (session.ranks() - 1) * kAhead;  // each worker's last answers

  const auto done = [&](int index, int rank) {
    const Band& band = work.bands[static_cast<std::size_t>(index)];
    band_rank[static_cast<std::size_t>(index)] = rank;
    rows_done += band.y1 - band.y0;
    if (progress) progress(rows_done, image.height());
  };
  // Of each rank, the messages not answered yet.
  std::vector<int> unanswered(static_cast<std::size_t>(session.ranks()), 0);
  // Answers the messages of `rank`: each with its next band, or none once none is left. Near the
  // end, with fewer bands left than ranks, a worker still rendering a band is not handed another
  // to keep in reserve: its message waits until that band is back, so that no rank sits idle at
  // the end while another has two bands to go.
  const auto answer = [&](int rank) {
    std::deque<int>& bands = handed[static_cast<std::size_t>(rank)];
    int& waiting = unanswered[static_cast<std::size_t>(rank)];
    for (; waiting > 0; --waiting) {
      int band = kNoBand;
      if (next < count) {
        if (!bands.empty() && count - next < session.ranks()) return;
        band = next++;
        if (bands.empty()) since[static_cast<std::size_t>(rank)] = Clock::now();
        bands.push_back(band);
      } else {
        --no_bands_to_send;
      }
      // One int goes eagerly: the send returns without waiting for the worker.
      MPI_Send(&band, 1, MPI_INT, rank, kBand, MPI_COMM_WORLD);
    }
  };
  // Receives and answers every message waiting; whether there was any.
  const auto serve = [&] {
    bool served = false;
    for (;;) {
      int waiting = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &waiting, &status);
      if (waiting == 0) return served;
      served = true;
      const int rank = status.MPI_SOURCE;
      if (status.MPI_TAG == kPixels) {
        std::deque<int>& bands = handed[static_cast<std::size_t>(rank)];
        if (bands.empty()) throw std::logic_error("mpi: pixels from a rank that has no band");
        const int index = bands.front();
        bands.pop_front();
        const Band& band = work.bands[static_cast<std::size_t>(index)];
        const std::span<std::uint8_t> rows = image.rows(band.y0, band.y1);
        int bytes = 0;
        MPI_Get_count(&status, MPI_BYTE, &bytes);
        if (bytes != as_count(rows.size())) {
          throw std::logic_error("mpi: rank " + std::to_string(rank) + " sent " +
                                 std::to_string(bytes) + " bytes for a band of " +
                                 std::to_string(rows.size()));
        }
        MPI_Recv(rows.data(), bytes, MPI_BYTE, rank, kPixels, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        const Clock::time_point now = Clock::now();
        timer.finished(
            std::chrono::duration_cast<milliseconds>(now - since[static_cast<std::size_t>(rank)]));
        since[static_cast<std::size_t>(rank)] = now;
        done(index, rank);
      } else {
        MPI_Recv(nullptr, 0, MPI_BYTE, rank, kAsk, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      }
      ++unanswered[static_cast<std::size_t>(rank)];
      answer(rank);
    }
  };
  // Ends the job (by throwing) when a rank has held a band past its deadline: it has stalled.
  const auto check_ranks = [&] {
    const std::optional<milliseconds> deadline = rank_deadline(timer, work.jobs);
    if (!deadline) return;
    const Clock::time_point now = Clock::now();
    for (int rank = 1; rank < session.ranks(); ++rank) {
      const std::deque<int>& bands = handed[static_cast<std::size_t>(rank)];
      const Clock::duration held = now - since[static_cast<std::size_t>(rank)];
      if (bands.empty() || held <= *deadline) continue;
      const Band& band = work.bands[static_cast<std::size_t>(bands.front())];
      throw std::runtime_error(
          "rank " + std::to_string(rank) + " has held rows " + std::to_string(band.y0) + "-" +
          std::to_string(band.y1 - 1) + " for " + seconds_of(held) + ", past the deadline of " +
          seconds_of(*deadline) + ": it has stalled (stopped, or hung); the job ends");
    }
  };
  const auto serve_and_check = [&] {
    const bool served = serve();
    check_ranks();
    return served;
  };

  // Rank 0 renders too, looking at the workers' messages between its rows.
  RankRenderer renderer(work);
  while (next < count) {
    const int index = next++;
    const Band& band = work.bands[static_cast<std::size_t>(index)];
    const Clock::time_point began = Clock::now();
    renderer.render(index, image.rows(band.y0, band.y1), [&] { serve_and_check(); });
    timer.finished(std::chrono::duration_cast<milliseconds>(Clock::now() - began));
    done(index, 0);
    serve_and_check();
  }
  // Every band is handed out: the messages kept waiting are answered with none.
  for (int rank = 1; rank < session.ranks(); ++rank) answer(rank);
  while (rows_done < image.height() || no_bands_to_send > 0) {
    if (!serve_and_check()) pause();
  }
  return band_rank;
}

void render_bands(const BandWork& work) {
  RankRenderer renderer(work);
  BandTimer timer(work.band_timeout);  // of this rank's bands
  for (int i = 0; i < kAhead; ++i) MPI_Send(nullptr, 0, MPI_BYTE, 0, kAsk, MPI_COMM_WORLD);
  int unanswered = kAhead;
  // Two buffers: a band's pixels are on their way from one while the next band is rendered
  // into the other. Testing the sends between rows moves them on (over TCP, only calls into
  // MPI do).
  std::array<std::vector<std::uint8_t>, 2> buffers;
  std::array<MPI_Request, 2> sending{MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  const auto move_sends_on = [&] {
    for (MPI_Request& request : sending) {
      int done = 0;
      MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    }
  };
  std::size_t turn = 0;
  while (unanswered > 0) {
    int index = kNoBand;
    MPI_Request receiving = MPI_REQUEST_NULL;
    MPI_Irecv(&index, 1, MPI_INT, 0, kBand, MPI_COMM_WORLD, &receiving);
    wait_for_rank_zero(receiving, rank_deadline(timer, work.jobs));
    --unanswered;
    if (index == kNoBand) continue;
    const Band& band = work.bands.at(static_cast<std::size_t>(index));
    wait_for_rank_zero(sending[turn], rank_deadline(timer, work.jobs));
    std::vector<std::uint8_t>& pixels = buffers[turn];
    pixels.resize(static_cast<std::size_t>(band.y1 - band.y0) *
                  static_cast<std::size_t>(work.scene.width) * 3);
    const Clock::time_point began = Clock::now();
    renderer.render(index, pixels, move_sends_on);
    timer.finished(std::chrono::duration_cast<milliseconds>(Clock::now() - began));
    MPI_Isend(pixels.data(), as_count(pixels.size()), MPI_BYTE, 0, kPixels, MPI_COMM_WORLD,
              &sending[turn]);
    ++unanswered;
    turn = 1 - turn;
  }
  for (MPI_Request& request : sending) wait_for_rank_zero(request, rank_deadline(timer, work.jobs));
}

// What rank 0 sends every rank before the bands: the scene as its file's text (nothing for the
// built-in scene), the size and seed asked for, and the bands settled on (planned by cost, or of
// equal rows): rank 0 works the layout out once, and every rank renders the bands it was told.
// Each rank builds the same Scene from it with the same code, so no rank needs the file, and no
// second description of every shape and light has to be kept in step with the scene format.
struct Message {
  Job job;
  std::string text;  // the scene file's JSON
  std::vector<Band> bands;
};

std::string encode(const Message& message) {
  nlohmann::json bands = nlohmann::json::array();
  for (const Band& band : message.bands) bands.push_back({band.y0, band.y1});
  nlohmann::json json{{"source", message.job.scene_file},
                      {"text", message.text},
                      {"size", nullptr},
                      {"seed", nullptr},
                      {"bands", std::move(bands)}};
  if (message.job.size) json["size"] = {message.job.size->first, message.job.size->second};
  if (message.job.seed) json["seed"] = *message.job.seed;
  return json.dump();
}

Message decode(const std::string& text) {
  const nlohmann::json json = nlohmann::json::parse(text);
  Message message{{json.at("source").get<std::string>()}, json.at("text").get<std::string>(), {}};
  for (const nlohmann::json& band : json.at("bands")) {
    message.bands.push_back({band.at(0).get<int>(), band.at(1).get<int>()});
  }
  if (!json.at("size").is_null()) {
    message.job.size.emplace(json.at("size").at(0).get<int>(), json.at("size").at(1).get<int>());
  }
  if (!json.at("seed").is_null()) message.job.seed = json.at("seed").get<std::uint64_t>();
  return message;
}

// The scene `message` describes: the scene is told by its name, so an empty file is an error,
// not the built-in scene.
Scene scene_of(const Message& message) {
  Scene scene = message.job.scene_file.empty() ? builtin_scene()
                                               : parse_scene(message.text, message.job.scene_file);
  if (message.job.size) {
    scene = with_size(std::move(scene), message.job.size->first, message.job.size->second);
  }
  if (message.job.seed) scene = with_seed(std::move(scene), *message.job.seed);
  return scene;
}

// The band number (1, 2, ...) that the fault variable `name`, RANK:BAND, gives rank `rank`.
std::optional<int> fault_at(const char* name, int rank) {
  const char* text = std::getenv(name);
  int at_rank = -1;
  int band = 0;
  if (text == nullptr || std::sscanf(text, "%d:%d", &at_rank, &band) != 2 || at_rank != rank) {
    return std::nullopt;
  }
  return band;
}

// Faults for the tests, none unless asked for: PYGMY_MPI_KILL_AT=RANK:BAND, rank RANK kills
// itself (SIGKILL) as it starts its BAND-th band (1, 2, ...); PYGMY_MPI_STOP_AT=RANK:BAND, it
// stops there (SIGSTOP); PYGMY_MPI_STOP_WORKER_AT=RANK:BAND, its first forked worker (-j 2 or
// more) stops as it starts its part of that band. A rank or a rank's worker that dies or stalls
// mid-render can be made no other way from outside.
Faults faults_of(int rank) {
  return {.kill_at = fault_at("PYGMY_MPI_KILL_AT", rank),
          .stop_at = fault_at("PYGMY_MPI_STOP_AT", rank),
          .stop_worker_at = fault_at("PYGMY_MPI_STOP_WORKER_AT", rank)};
}

double cpu_seconds() { return measure::resource_usage().cpu_seconds; }

// The exit status of a job that failed after the scene was sent.
constexpr int kRenderError = 1;

int run_rank_zero(const Session& session, const Job& job, RenderPlan plan,
                  const RankZero& rank_zero) {
  Message message{job, {}, {}};
  std::string sent;
  Scene scene;
  Layout planned;
  // Until the job is sent, a failure is told to the other ranks by sending them nothing: they
  // end, and this rank reports it as a render without MPI would.
  try {
    if (!job.scene_file.empty()) message.text = read_scene_text(job.scene_file);
    scene = scene_of(message);
    plan.ranks = static_cast<unsigned>(session.ranks());
    planned = layout(scene, plan);
    message.bands = planned.bands;
    if (rank_zero.prepare) rank_zero.prepare(scene, planned);
    sent = encode(message);
  } catch (...) {
    static_cast<void>(session.broadcast(std::nullopt));
    throw;
  }
  static_cast<void>(session.broadcast(std::move(sent)));
  // From here the other ranks wait on this one: a failure must end the job, not this rank alone.
  try {
    const measure::ResourceUsage before = measure::resource_usage();
    const auto started = std::chrono::steady_clock::now();
    Rendered rendered{Image(scene.width, scene.height), {}};
    const std::vector<int> band_rank = gather_bands(session,
                                                    {.scene = scene,
                                                     .bands = planned.bands,
                                                     .jobs = planned.processes,
                                                     .band_timeout = plan.band_timeout,
                                                     .faults = faults_of(0)},
                                                    rendered.image, rank_zero.progress);
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
    const measure::ResourceUsage cost = measure::resource_usage() - before;
    RenderStats& stats = rendered.stats;
    stats.scheduler = std::string(kName);
    stats.band_rows = planned.band_rows;
    stats.planned = planned.planned;
    stats.band_list = planned.bands;
    stats.bands = planned.bands.size();
    stats.processes = planned.processes;
    stats.ranks = planned.ranks;
    stats.seconds = seconds.count();
    stats.cpu_seconds = session.sum_on_rank_zero(cost.cpu_seconds);
    stats.minor_faults = cost.minor_faults;
    stats.passes = 1;
    stats.band_worker = band_rank;
    stats.workers = planned.ranks;
    if (rank_zero.finish) rank_zero.finish(scene, rendered);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pygmy: error: %s\n", e.what());
    session.abort(kRenderError);
  }
  return 0;
}

int run_other_rank(const Session& session, const RenderPlan& plan) {
  const std::optional<std::string> sent = session.broadcast(std::nullopt);
  // Rank 0 failed before the render: it says why, and its exit status is the job's.
  if (!sent) return 0;
  try {
    const Message message = decode(*sent);
    const Scene scene = scene_of(message);
    const double cpu_before = cpu_seconds();
    render_bands({.scene = scene,
                  .bands = message.bands,
                  .jobs = std::max(plan.processes, 1U),
                  .band_timeout = plan.band_timeout,
                  .faults = faults_of(session.rank())});
    static_cast<void>(session.sum_on_rank_zero(cpu_seconds() - cpu_before));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pygmy: rank %d: error: %s\n", session.rank(), e.what());
    session.abort(kRenderError);
  }
  return 0;
}

}  // namespace

bool built() { return true; }

int run_job(const Job& job, const RenderPlan& plan, const RankZero& rank_zero) {
  const Session session;
  return session.rank() == 0 ? run_rank_zero(session, job, plan, rank_zero)
                             : run_other_rank(session, plan);
}

}  // namespace pygmy::schedulers::mpi
