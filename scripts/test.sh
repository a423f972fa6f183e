#!/usr/bin/env bash
# The README's test command: typecheck, lint, then both vitest projects. Any failure stops the run.
# Extra arguments go to vitest (e.g. `npm test -- test/stack.test.ts`).
set -euo pipefail
echo "[test] typecheck (tsc --noEmit)" >&2
tsc --noEmit -p tsconfig.json
echo "[test] lint and format check (biome check)" >&2
biome check --diagnostic-level=error .
exec vitest run "$@"
