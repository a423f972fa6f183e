#!/usr/bin/env bash
# Runs one test file n times in a row, to tell a test that fails by chance from one that passes:
#   npm run test:repeat -- <file> <n> [vitest arguments...]
# Each run is a fresh `vitest run <file>` (an integration file starts its stack each time). It stops at
# the first failing run and prints that run's output; it ends with one line: passes, fails and time.
set -uo pipefail

if [ $# -lt 2 ] || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: npm run test:repeat -- <test file> <runs> [vitest arguments...]" >&2
  exit 64
fi
file="$1"
runs="$2"
shift 2
if [ ! -f "$file" ]; then
  echo "[test:repeat] no such file: $file" >&2
  exit 66
fi

log="$(mktemp "${TMPDIR:-/tmp}/test-repeat.XXXXXX")"
trap 'rm -f "$log"' EXIT
passed=0
failed=0
slowest=0
started=$SECONDS
summary() {
  local total=$((SECONDS - started))
  echo "[test:repeat] $file: $passed passed, $failed failed of $runs runs in ${total} s (slowest run ${slowest} s)"
}

for ((run = 1; run <= runs; run++)); do
  run_started=$SECONDS
  vitest run "$file" "$@" >"$log" 2>&1
  status=$?
  took=$((SECONDS - run_started))
  ((took > slowest)) && slowest=$took
  if [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    cat "$log"
    echo "[test:repeat] run $run of $runs failed (exit $status) after ${took} s: its output is above"
    summary
    exit 1
  fi
  passed=$((passed + 1))
  echo "[test:repeat] run $run of $runs passed in ${took} s"
done
summary
