#!/usr/bin/env bash
# Builds the worker's runtime folder: what Dockerfile.worker's build stage runs (its output is the
# image's /app). Runnable outside Docker from a folder laid out as the Dockerfile's COPY lines lay it.
#   usage: scripts/worker-image.sh <out-dir>    (run from a folder holding the files the Dockerfile copies)
# The result holds only: compiled JS (dist/), the prompts the model agents read at run time, the
# prebuilt workflow bundle, production node_modules with only this platform's native binaries.
set -euo pipefail
out=${1:?usage: worker-image.sh <out-dir>}
rm -rf "$out" && mkdir -p "$out"
out=$(cd "$out" && pwd) # absolute: step 3 require()s from it, and a bare `runtime/...` is a package name to Node

# 1. Build with the full (dev) dependencies: tsc, the workflow bundler.
npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
node_modules/.bin/tsc -p tsconfig.worker.json
cp -r worker/model/prompts dist/worker/model/prompts
node_modules/.bin/tsx scripts/bundle-workflows.ts dist/worker/workflow-bundle.js

# 2. Runtime dependencies only, installed afresh from the same lock.
cp package.json package-lock.json "$out/"
cp -r dist "$out/dist"
(cd "$out" && npm ci --omit=dev --no-audit --no-fund --loglevel=error --ignore-scripts)

# 3. Native code for this platform only: the Temporal core bridge ships a prebuilt library for five
#    platforms plus its Rust sources; keep the one this machine loads (glibc Linux, this CPU).
bridge="$out/node_modules/@temporalio/core-bridge"
target=$(node -e "const { getPrebuiltTargetName } = require('$bridge/common.js'); process.stdout.write(getPrebuiltTargetName())")
find "$bridge/releases" -mindepth 1 -maxdepth 1 ! -name "$target" -exec rm -rf {} +
rm -rf "$bridge/sdk-core" "$bridge/src" "$bridge/bridge-macros" "$bridge/Cargo.toml" "$bridge/Cargo.lock"
# Package metadata npm ci wrote that the process never reads.
rm -f "$out/node_modules/.package-lock.json"
echo "worker runtime: $out ($(du -sm "$out" | cut -f1) MB; node_modules $(du -sm "$out/node_modules" | cut -f1) MB)"
