#!/usr/bin/env bash
# Production build: compile TypeScript to dist/ and prebuild the workflow bundle the worker loads
# (so the container never runs webpack at start-up).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rm -rf dist
tsc -p tsconfig.build.json
cp -r worker/model/prompts dist/worker/model/prompts # read at run time, so they ship beside the compiled code
tsx scripts/bundle-workflows.ts dist/worker/workflow-bundle.js
tsx scripts/build-review-console.ts # the reviewer's console, served by the Functions app under /review/
