#!/usr/bin/env bash
# The unit and multi-rank tests (ctest -L "unit|mpi") under AddressSanitizer + UndefinedBehavior-
# Sanitizer, built in $PSML_ASAN_BUILD (default build-asan/). Extra arguments go to ctest.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$PSML_ROOT/scripts/setup.sh"
build=${PSML_ASAN_BUILD:-$PSML_ROOT/build-asan}
# -O1: fast enough to run the tests, still precise reports; assertions stay on.
cmake -S "$PSML_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DPSML_SANITIZE=ON -DPSML_WERROR=ON >/dev/null
# Only what `ctest -L "unit|mpi"` runs (not the psml program and its benchmarks).
cmake --build "$build" -j"$(nproc)" --target psml_unit_tests psml_mpi_tests
# The same settings ctest gives the tests (tests/sanitizers/sanitizer_env.cmake), for tests that
# gtest discovers and for anything mpiexec starts.
sup="$PSML_ROOT/tests/sanitizers"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:fast_unwind_on_malloc=0:strict_string_checks=1:detect_stack_use_after_return=1:intercept_tls_get_addr=0"
export LSAN_OPTIONS="suppressions=$sup/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OMPI_MCA_mca_base_component_disable_dlclose=1
export PMIX_MCA_psec=^munge
cd "$build"
ctest --output-on-failure --timeout 300 -L "unit|mpi" "$@"
