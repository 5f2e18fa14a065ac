#!/usr/bin/env bash
# Installs what psml needs from Debian's packages; does nothing when all of it is there.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  openmpi-bin libopenmpi-dev        # MPI runtime and headers
  libhdf5-openmpi-dev hdf5-tools    # HDF5 built against Open MPI (parallel checkpoints), h5dump
  libeigen3-dev libboost-serialization-dev libcli11-dev zlib1g-dev libgtest-dev
  liblzf-dev                        # the LZF filter h5py writes (compression="lzf")
  libbenchmark-dev                  # bench/: Google Benchmark micro-benchmarks
  nlohmann-json3-dev                # metrics (JSON lines) and traces (Chrome trace JSON)
  python3-matplotlib                # psml report: plots of runs
  iproute2 util-linux               # cluster/local: network namespaces (ip), tc, unshare
  slurm-wlm munge                   # cluster/slurm: the batch scripts' test starts a one-node Slurm
  libsimgrid-dev libhdf5-dev        # psml simulate: SimGrid SMPI (smpicxx) and the serial HDF5
  dataset-fashion-mnist             # the real Fashion-MNIST IDX files
  python3-h5py python3-numpy        # tests read and write files the way h5py users do
  python3-sklearn python3-scipy python3-statsmodels  # tests: the figures psml must match
  clang libclang-rt-14-dev          # scripts/fuzz.sh: clang and its libFuzzer / sanitizer runtimes
)

missing=()
for p in "${packages[@]}"; do
  [[ "$p" == \#* ]] && continue
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
