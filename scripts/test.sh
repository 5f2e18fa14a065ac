#!/usr/bin/env bash
# The test suite: set up, build, run every test with ctest. Extra arguments go to ctest.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$PSML_ROOT/scripts/setup.sh"
"$PSML_ROOT/scripts/build.sh" -DPSML_WERROR=ON
cd "$PSML_BUILD"
ctest --output-on-failure --timeout 600 "$@"
