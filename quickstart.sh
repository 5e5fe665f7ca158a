#!/usr/bin/env bash
# Sets up, builds and runs the project: `./quickstart.sh` renders, `./quickstart.sh test` tests,
# `./quickstart.sh bench` measures and writes the speedup report.
# Installs the Debian packages that are missing (as root, or through sudo), configures the
# default preset, builds, then runs the chosen job.
set -euo pipefail
cd "$(dirname "$0")"

packages=(build-essential cmake pkg-config libtiff-dev libtiff-tools libglm-dev libcereal-dev
          nlohmann-json3-dev libcli11-dev libgtest-dev libbenchmark-dev)

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

job=${1:-run}
case "$job" in
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
    # The speedup report: render and machinery benchmarks (medians of three, the repetitions of
    # all of them interleaved at random, so that a slow minute of a shared machine is spread
    # over every benchmark instead of landing on one), then the table and chart in
    # docs/benchmarks.md, with the raw JSON beside them in docs/bench/.
    install_missing
    build release --target render_bench machinery_bench bench_report
    mkdir -p docs/bench
    cpus=$(nproc)
    rows=16  # pygmy::app::kDefaultBandRows
    height=$(sed -n 's/.*"height": *\([0-9]*\).*/\1/p' scenes/showcase.json | head -n 1)
    one_band_each=$(((height + cpus - 1) / cpus))
    # The built-in scene: every scheduler at 1 to cpus + 1 processes. The showcase (seconds a
    # render): every scheduler at cpus processes; exchange (the default) and threads (the
    # baseline) at 1 to cpus + 1; exchange with other band sizes.
    filter="BM_Render/builtin/[a-z]+/j:[0-9]+/rows:${rows}/"
    filter+="|BM_Render/showcase/sequential/"
    filter+="|BM_Render/showcase/[a-z]+/j:${cpus}/rows:${rows}/"
    filter+="|BM_Render/showcase/(exchange|threads)/j:[0-9]+/rows:${rows}/"
    filter+="|BM_Render/showcase/exchange/j:${cpus}/rows:(1|64|${one_band_each})/"
    ./build/release/bench/render_bench --benchmark_filter="$filter" \
      --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
      --benchmark_report_aggregates_only=true \
      --benchmark_out=docs/bench/render.json --benchmark_out_format=json
    ./build/release/bench/machinery_bench \
      --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
      --benchmark_report_aggregates_only=true \
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
    echo "usage: ./quickstart.sh [run [pygmy render options]|test|asan|bench]" >&2
    exit 2
    ;;
esac
