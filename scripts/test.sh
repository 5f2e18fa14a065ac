#!/usr/bin/env bash
# The test suite: set up with what the tests use besides psml's own needs (setup.sh --tests), build
# (the same build as scripts/demo.sh) and the simulation build (build-sim/, for psml simulate's
# test), run every test with ctest. Extra arguments go to ctest.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$PSML_ROOT/scripts/setup.sh" --tests
"$PSML_ROOT/scripts/build.sh"
"$PSML_ROOT/scripts/build_sim.sh"
cd "$PSML_BUILD"
ctest --output-on-failure --timeout 600 "$@"
