#!/usr/bin/env bash
# Configures (once) and builds psml in $PSML_BUILD (default: build/). Extra arguments go to cmake.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cmake -S "$PSML_ROOT" -B "$PSML_BUILD" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$PSML_BUILD" -j"$(nproc)"
