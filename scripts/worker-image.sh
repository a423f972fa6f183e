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

# 4. What Node never reads at run time (about 300 MB of the 590): type declarations, TypeScript sources,
#    source maps (the worker does not run with --enable-source-maps; the workflow bundle's own map is in
#    dist/, not here), and READMEs/changelogs (licences stay).
find "$out/node_modules" -type f \( -name '*.ts' -o -name '*.cts' -o -name '*.mts' -o -name '*.map' \
  -o \( -iname '*.md' ! -iname 'licen[cs]e*' ! -iname 'notice*' \) \) -delete
# 5. The workflow bundler's toolchain: with the prebuilt bundle (step 1) the worker never bundles, so swc,
#    swc-loader and every package only webpack needs go. webpack itself stays as its entry file only:
#    @temporalio/worker require()s it on load, and its index loads nothing else until a bundle is made.
# shellcheck disable=SC2016 # the single-quoted text is JavaScript (template literals), not shell
(cd "$out" && node -e '
  const lock = require("./package-lock.json").packages;
  const installed = (p) => lock[p] && !lock[p].dev && require("fs").existsSync(p);
  const resolve = (from, name) => { // Node resolution over the lock: the nearest node_modules up the tree
    for (let dir = from; ; dir = dir.slice(0, Math.max(dir.lastIndexOf("/node_modules/"), 0))) {
      const p = `${dir ? `${dir}/` : ""}node_modules/${name}`;
      if (installed(p)) return p;
      if (!dir) return undefined;
    }
  };
  const reach = (cut) => {
    const seen = new Set(), todo = [""];
    while (todo.length) {
      const p = todo.pop();
      if (seen.has(p) || cut.has(p)) continue;
      seen.add(p);
      const e = lock[p];
      for (const n of Object.keys({ ...e.dependencies, ...e.optionalDependencies, ...e.peerDependencies })) {
        const r = resolve(p, n);
        if (r) todo.push(r);
      }
    }
    return seen;
  };
  const bundler = ["node_modules/webpack", "node_modules/swc-loader", "node_modules/@swc/core"];
  const kept = reach(new Set(bundler));
  for (const p of reach(new Set())) if (!kept.has(p) && p !== "node_modules/webpack") require("fs").rmSync(p, { recursive: true, force: true });
')
# MSAL for browsers: only @azure/identity's browser build imports it (Node takes its msal-node build).
rm -rf "$out/node_modules/@azure/msal-browser"
wp="$out/node_modules/webpack"
find "$wp" -mindepth 1 -maxdepth 1 ! -name package.json ! -name LICENSE ! -name lib -exec rm -rf {} +
find "$wp/lib" -type f ! -path "$wp/lib/index.js" ! -path "$wp/lib/util/memoize.js" -delete
find "$wp/lib" -type d -empty -delete
echo "worker runtime: $out ($(du -sm "$out" | cut -f1) MB; node_modules $(du -sm "$out/node_modules" | cut -f1) MB)"
