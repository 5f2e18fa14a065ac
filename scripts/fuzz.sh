#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in $PSML_FUZZ_BUILD (default build-fuzz/)
# and runs each for SECONDS (default 45) on a copy of its seed corpus (tests/fuzz/corpus/<name>).
# Fails if any target crashes, leaks, hits undefined behaviour or times out on one input; the
# input that did it is kept in $PSML_FUZZ_BUILD/findings/<name>/.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$PSML_ROOT/scripts/setup.sh" --fuzz
seconds=${1:-45}
build=${PSML_FUZZ_BUILD:-$PSML_ROOT/build-fuzz}
targets=(idx csv libsvm message config)
CC=clang CXX=clang++ cmake -S "$PSML_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DPSML_FUZZ=ON -DPSML_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/%/_fuzz}"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for t in "${targets[@]}"; do
  work=$(mktemp -d)
  cp -r "$PSML_ROOT/tests/fuzz/corpus/$t/." "$work/"
  findings="$build/findings/$t"
  mkdir -p "$findings"
  echo "fuzz: $t for ${seconds}s"
  # -rss_limit_mb / -malloc_limit_mb: an allocation a few bytes of input merely claim is a finding.
  if ! "$build/fuzz/${t}_fuzz" "$work" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="$findings/" 2>"$build/findings/$t.log"; then
    failed+=("$t")
    tail -n 60 "$build/findings/$t.log" >&2
  fi
  grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$build/findings/$t.log" | \
    tr '\n' ' ' && echo
  rm -rf "$work"
done
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build/findings/)" >&2
  exit 1
fi
echo "fuzz: no findings in ${#targets[@]} targets"
