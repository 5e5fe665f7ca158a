#!/usr/bin/env bash
# Sets up, builds and runs the project: `./quickstart.sh` renders, `./quickstart.sh test` tests.
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
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
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
  asan)
    install_missing
    build asan
    ctest --preset asan -j "$(nproc)"
    ;;
  *)
    echo "usage: ./quickstart.sh [run|test|asan]" >&2
    exit 2
    ;;
esac
