#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan) and runs each one for
# SECONDS (default 60) on a scratch copy of its seed corpus, fuzz/corpus/<name without _fuzz>/,
# with fuzz/<name without _fuzz>.dict when there is one. Fails if any target finds a crash, a
# hang, an exception it should not throw or a runaway allocation; the input that did it and the
# log are kept in build/fuzz/findings/. Installs clang and libFuzzer from Debian when missing
# (as root, or through sudo).
#   ./fuzz/run.sh        # a minute each
#   ./fuzz/run.sh 600    # ten minutes each
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
packages=(build-essential cmake clang libclang-rt-14-dev libtiff-dev libglm-dev libcereal-dev
          nlohmann-json3-dev libcli11-dev)

# The longest input each target is given: room for the largest seed, little more.
declare -A max_len=([scene_fuzz]=16384)
default_max_len=4096
# Memory each target may take (libFuzzer's options; its defaults where none is given). A frame_fuzz
# input of a few KiB decodes into a few hundred KiB at most, whatever sizes it claims, so any
# allocation of 64 MiB is a finding; ASan's quarantine keeps the resident size near 300 MiB.
# persistent_fuzz's inputs are as small, and its buffers the same.
declare -A memory=([frame_fuzz]="-rss_limit_mb=512 -malloc_limit_mb=64"
                   [persistent_fuzz]="-rss_limit_mb=512 -malloc_limit_mb=64")

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

install_missing
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

findings=build/fuzz/findings
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=()
for target in build/fuzz/fuzz/*_fuzz; do
  [ -f "$target" ] && [ -x "$target" ] || continue
  name=$(basename "$target")
  short=${name%_fuzz}
  corpus=$scratch/$short
  mkdir -p "$corpus" "$findings/$name"
  if [ -d "fuzz/corpus/$short" ]; then
    cp -R "fuzz/corpus/$short/." "$corpus/"
  fi
  args=(-max_total_time="$seconds" -max_len="${max_len[$name]:-$default_max_len}" -timeout=10
        -print_final_stats=1 -artifact_prefix="$findings/$name/")
  read -r -a limits <<<"${memory[$name]:-}"
  args+=("${limits[@]}")
  if [ -f "fuzz/$short.dict" ]; then
    args+=(-dict="fuzz/$short.dict")
  fi
  echo "fuzz: $name for ${seconds} s"
  if "$target" "${args[@]}" "$corpus" >"$findings/$name.log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$findings/$name.log" || true
  else
    tail -n 60 "$findings/$name.log" >&2
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings from ${failed[*]}; inputs and logs in $findings/" >&2
  exit 1
fi
echo "fuzz: no findings"
