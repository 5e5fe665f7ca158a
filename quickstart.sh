#!/usr/bin/env bash
# Sets up, builds and runs the project: `./quickstart.sh` renders, `./quickstart.sh test` tests,
# `./quickstart.sh bench` measures and writes the speedup report.
# Installs the Debian packages that are missing (as root, or through sudo), configures the
# default preset, builds, then runs the chosen job.
set -euo pipefail
cd "$(dirname "$0")"

packages=(build-essential cmake pkg-config libtiff-dev libtiff-tools libglm-dev libcereal-dev
          libpng-dev nlohmann-json3-dev libcli11-dev libgtest-dev libbenchmark-dev
          libopenmpi-dev openmpi-bin libtbb-dev)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "Installing missing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  local preset=$1
  shift
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)" "$@"
}

usage() {
  cat <<'EOF'
usage: ./quickstart.sh [run [pygmy render options]|test|asan|bench]
Installs the Debian packages that are missing, builds, then:
  run    renders the built-in scene to test.tif (the default; options go to pygmy render)
  test   runs every test
  asan   builds with AddressSanitizer and UBSan and runs every test
  bench  measures and writes the speedup report (docs/benchmarks.md)
EOF
}

job=${1:-run}
case "$job" in
  -h | --help | help)
    usage
    ;;
  run)
    install_missing
    build default
    ./build/default/pygmy/app/pygmy render "${@:2}"
    ;;
  test)
    install_missing
    build default
    ctest --preset default -j "$(nproc)"
    ;;
  bench)
    # The speedup report: the machine's capacity (BM_Capacity), the size sweep of the built-in
    # scene and the showcase scene (render_bench), then the machinery (machinery_bench); three
    # repetitions of each, the repetitions of all benchmarks interleaved at random, so that a
    # slow minute of a shared machine is spread over every benchmark instead of landing on one.
    # The JSON keeps every repetition (the report's medians, intervals and disturbed count are
    # made of them); the terminal shows their aggregates. Then the goals, the tables and the
    # chart in docs/benchmarks.md, with the raw JSON beside them in docs/bench/. The release
    # pygmy command is built too: the commands of docs/benchmarks.md use it.
    install_missing
    build release --target render_bench machinery_bench bench_report pygmy_command
    mkdir -p docs/bench
    cpus=$(nproc)
    height=$(sed -n 's/.*"height": *\([0-9]*\).*/\1/p' scenes/showcase.json | head -n 1)
    one_band_each=$(((height + cpus - 1) / cpus))
    # The calibration loop at 1 to cpus processes. The sweep: 300x200 to 6000x4000, sequential
    # and pool, exchange, threads, openmp and tbb (those of them this build has) at 1 to cpus
    # processes. The showcase (seconds a render): every scheduler at cpus processes, and pool at
    # 2, with their default band rows; pool and exchange with bands of 1 row, 64 rows and one
    # per process.
    filter="BM_Capacity/"
    filter+="|BM_Sweep/[0-9]+x[0-9]+/(sequential|pool|exchange|threads|openmp|tbb)/"
    filter+="|BM_Render/showcase/sequential/"
    filter+="|BM_Render/showcase/[a-z]+/j:${cpus}/rows:auto/"
    filter+="|BM_Render/showcase/pool/j:2/rows:auto/"
    filter+="|BM_Render/showcase/(pool|exchange)/j:${cpus}/rows:(1|64|${one_band_each})/"
    ./build/release/bench/render_bench --benchmark_filter="$filter" \
      --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
      --benchmark_display_aggregates_only=true \
      --benchmark_out=docs/bench/render.json --benchmark_out_format=json
    ./build/release/bench/machinery_bench \
      --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
      --benchmark_display_aggregates_only=true \
      --benchmark_out=docs/bench/machinery.json --benchmark_out_format=json
    ./build/release/bench/bench_report --render docs/bench/render.json \
      --machinery docs/bench/machinery.json --markdown docs/benchmarks.md \
      --svg docs/bench/speedup.svg --svg-link bench/speedup.svg \
      --commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    ;;
  asan)
    install_missing
    build asan
    ctest --preset asan -j "$(nproc)"
    ;;
  *)
    echo "quickstart.sh: unknown job '$job'" >&2
    usage >&2
    exit 2
    ;;
esac
