#!/usr/bin/env bash
# Installs what psml needs from Debian's packages; does nothing when all of it is there.
#
#   scripts/setup.sh                 build and run psml, and the demo's Fashion-MNIST (demo.sh)
#   scripts/setup.sh --simulation    and SimGrid, for the simulation build (build_sim.sh)
#   scripts/setup.sh --fuzz          and clang with libFuzzer (fuzz.sh)
#   scripts/setup.sh --tests         and everything the test suite uses (test.sh): the two above,
#                                    a one-node Slurm and the peers psml's figures must match
set -euo pipefail

psml=(
  g++ cmake make pkg-config
  openmpi-bin libopenmpi-dev        # MPI runtime and headers
  libhdf5-openmpi-dev hdf5-tools    # HDF5 built against Open MPI (parallel checkpoints), h5dump
  libeigen3-dev libboost-serialization-dev libcli11-dev zlib1g-dev
  libgtest-dev                      # the build's tests (build.sh builds them for the demo too)
  liblzf-dev                        # the LZF filter h5py writes (compression="lzf")
  libbenchmark-dev                  # bench/: Google Benchmark micro-benchmarks
  nlohmann-json3-dev                # metrics (JSON lines) and traces (Chrome trace JSON)
  python3-matplotlib                # psml report and psml experiment: plots of runs
  python3-h5py python3-numpy        # writing and reading psml's HDF5 files from Python
  iproute2 util-linux               # cluster/local: network namespaces (ip), tc, unshare
  dataset-fashion-mnist             # the real Fashion-MNIST IDX files (the demo's data)
)
simulation=(
  libsimgrid-dev libhdf5-dev        # psml simulate: SimGrid SMPI (smpicxx) and the serial HDF5
)
fuzz=(
  clang libclang-rt-14-dev          # scripts/fuzz.sh: clang and its libFuzzer / sanitizer runtimes
)
tests=(
  "${simulation[@]}" "${fuzz[@]}"
  slurm-wlm munge                   # cluster/slurm: the batch scripts' test starts a one-node Slurm
  python3-sklearn python3-scipy python3-statsmodels  # tests: the figures psml must match
  python3-pandas                    # tests: CSV files as pandas writes them
)

packages=("${psml[@]}")
for group in "$@"; do
  case "$group" in
    --simulation) packages+=("${simulation[@]}") ;;
    --fuzz) packages+=("${fuzz[@]}") ;;
    --tests) packages+=("${tests[@]}") ;;
    *) echo "psml setup: unknown option $group (--simulation, --fuzz or --tests)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "psml setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
