#!/usr/bin/env bash
# Speedup of two MPI ranks on a shared machine: waits until at most one process is running, then
# renders the showcase scene with sequential, `mpirun -n 2 ... --scheduler mpi -j 1` and
# `pool -j 2`, one after another (a round), for SECONDS. Each run records the CPU seconds the
# whole machine was busy meanwhile (/proc/stat): a round where that exceeds the runs' own CPU
# by 0.7 s or more shared the cores with something else and is left out. Prints each run, then
# the speedup over the sequential run of the same round, per round and its median.
# Usage: bench/mpi_quiet_rounds.sh [SECONDS]   (PYGMY=path/to/pygmy to pick a build)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-900}
pygmy=${PYGMY:-./build/release/pygmy/app/pygmy}
scene=scenes/showcase.json
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

busy() { awk '/^cpu / {print ($2 + $3 + $4 + $7 + $8 + $9) / 100}' /proc/stat; }
# "busy wall cpu" of one run of the command given.
measure() {
  local before after line
  before=$(busy)
  line=$("$@")
  after=$(busy)
  echo "$line" >&2
  echo "$line" | sed -n "s/.* rows, \([0-9.]*\) s, CPU \([0-9.]*\) s.*/$(
    awk -v a="$after" -v b="$before" 'BEGIN {print a - b}') \1 \2/p"
}

end=$((SECONDS + seconds))
while [ $SECONDS -lt $end ]; do
  running=$(awk '{split($4, r, "/"); print r[1]}' /proc/loadavg)
  if [ "$running" -gt 1 ]; then
    sleep 2
    continue
  fi
  s=$(measure "$pygmy" render "$scene" -o "$out/s.tif" --scheduler sequential)
  m=$(measure mpirun -n 2 --mca btl self,vader "$pygmy" render "$scene" -o "$out/m.tif" \
    --scheduler mpi -j 1)
  p=$(measure "$pygmy" render "$scene" -o "$out/p.tif" --scheduler pool -j 2)
  echo "$s $m $p" >>"$out/rounds"
done
# Each round: busy wall cpu for sequential, mpi, pool.
awk '{quiet = 1; for (i = 1; i <= 9; i += 3) if ($i - $(i + 2) >= 0.7) quiet = 0}
     quiet {print $2 / $5, $2 / $8}' "$out/rounds" >"$out/speedups"
echo "rounds: $(wc -l <"$out/rounds"), quiet: $(wc -l <"$out/speedups")"
for column in 1 2; do
  name=$([ $column = 1 ] && echo "mpi -n 2" || echo "pool -j 2")
  sort -g -k"$column" "$out/speedups" |
    awk -v c="$column" -v name="$name" '{v[NR] = $c} END {
      median = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%s: median speedup %.2f (", name, median
      for (i = 1; i <= NR; ++i) printf "%s%.2f", (i > 1 ? " " : ""), v[i]
      print ")"}'
done
