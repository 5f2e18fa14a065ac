#!/usr/bin/env bash
# Configures (once) and builds psml in $PSML_BUILD (default: build/). Extra arguments go to cmake.
# The demo and the test suite share this one build: the same flags for both. CI sets
# PSML_WERROR=ON (warnings are errors); everywhere else a new compiler's warning stays a warning.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cmake -S "$PSML_ROOT" -B "$PSML_BUILD" -DCMAKE_BUILD_TYPE=Release \
  -DPSML_WERROR="${PSML_WERROR:-OFF}" "$@" >/dev/null
cmake --build "$PSML_BUILD" -j"$(nproc)"
