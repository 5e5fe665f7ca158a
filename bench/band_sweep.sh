#!/usr/bin/env bash
# The band-size sweep of docs/benchmarks.md: renders a scene with the pygmy command for each
# scheduler and band size, interleaving the runs, and prints the median seconds of each.
# Usage: bench/band_sweep.sh [RUNS] [PROCESSES] [SCENE]   (after ./quickstart.sh bench)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
processes=${2:-2}
scene=${3:-scenes/showcase.json}
pygmy=./build/release/pygmy/app/pygmy
[ -x "$pygmy" ] || cmake --build --preset release --target pygmy_command >/dev/null
configs=("sequential 16" "threads 8" "exchange 4" "exchange 8" "exchange 16" "exchange 32"
         "reuse 8" "shared 8")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((run = 0; run < runs; ++run)); do
  for config in "${configs[@]}"; do
    read -r scheduler rows <<<"$config"
    # The summary line reads "…, 68 bands of 16 rows, 4.562 s, CPU 9.020 s, …".
    "$pygmy" render "$scene" -o "$out/sweep.tif" -j "$processes" --scheduler "$scheduler" \
      --band-rows "$rows" | sed -n 's/.* rows, \([0-9.]*\) s, .*/\1/p' >>"$out/$scheduler-$rows"
  done
done
printf '| scheduler | band rows | median s |\n|---|---:|---:|\n'
for config in "${configs[@]}"; do
  read -r scheduler rows <<<"$config"
  median=$(sort -g "$out/$scheduler-$rows" | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  printf '| %s | %s | %s |\n' "$scheduler" "$rows" "$median"
done
