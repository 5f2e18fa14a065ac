#!/usr/bin/env bash
# The simulation build (docs/simulation.md): psml compiled with SimGrid's smpicxx against SMPI, in
# $PSML_SIM_BUILD (default: build-sim/), for `psml simulate`. Installs SimGrid and the serial HDF5
# when missing (scripts/setup.sh --simulation). Extra arguments go to cmake.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$PSML_ROOT/scripts/setup.sh" --simulation
PSML_SIM_BUILD=${PSML_SIM_BUILD:-$PSML_ROOT/build-sim}
# SMPI_PRETEND_CC: smpicxx compiles CMake's test programs as plain C++ (they are not SMPI programs).
SMPI_PRETEND_CC=1 cmake -S "$PSML_ROOT" -B "$PSML_SIM_BUILD" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER=smpicxx -DPSML_SIMULATE=ON -DPSML_WERROR="${PSML_WERROR:-OFF}" "$@" >/dev/null
cmake --build "$PSML_SIM_BUILD" -j"${PSML_JOBS:-$(nproc)}" --target psml_cli
