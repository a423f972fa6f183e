#!/usr/bin/env bash
# Offline checks of the deployable artefacts (run by test/infra-check.test.ts, so by `npm test` and CI):
#   1. every infra/**/*.bicep parses with pycep-parser, the Bicep parser checkov itself uses;
#   2. checkov's Bicep checks (infra/) and Dockerfile checks (Dockerfile.worker), minus the reasoned
#      skip list below; any other failed check fails this script;
#   3. `bicep build` and `bicep lint` of infra/main.bicep when a bicep binary is on PATH (it is not a
#      package in any registry this project installs from, so it is skipped, with a message, elsewhere).
# Python tools live in a project-local venv under .tools/ (cached; pinned; rebuilt when the pins change).
# `--venv` only makes sure the venv exists and prints its python (scripts/infra/templates.test.ts uses it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CHECKOV_VERSION=3.3.30 # pulls in the pycep-parser release that checkov pins, so both parse alike
VENV=.tools/infra-venv-checkov-${CHECKOV_VERSION}

# Each skipped check, with why it does not apply here. Anything not listed must pass.
SKIPS=(
  # Functions on Flex Consumption (FC1): several App Service checks describe settings this plan does not have.
  "CKV_AZURE_225 Flex Consumption plans have no zone-redundancy switch on the serverfarm; the platform spreads instances itself"
  "CKV_AZURE_212 Flex Consumption scales from zero per request; there is no minimum instance count for failover (always-ready instances cost money and are a per-function setting)"
  "CKV_AZURE_213 App Service health check is not available on Flex Consumption; /api/health is probed by the operator's availability test instead"
  "CKV_AZURE_17 client certificates do not apply: callers authenticate with Firebase ID tokens (Bearer), not TLS client certificates"
  "CKV_AZURE_13 App Service Authentication (Easy Auth) is not used: the app verifies Firebase ID tokens itself (functions/framework/auth.ts)"
  "CKV_AZURE_222 the API is public by design (the mobile app calls it from the internet); every route checks a Firebase token, and its own calls out go through the network (VNet integration)"
  "CKV_AZURE_88 Azure Files content shares are a Consumption/Elastic Premium feature; Flex Consumption deploys from a blob container"
  "CKV_AZURE_80 .NET Framework version is meaningless for a Node 22 app"
  "CKV_AZURE_63 App Service HTTP logs are not available on Flex Consumption; requests are traced to Application Insights and the FunctionAppLogs diagnostic setting goes to Log Analytics (infra/app/api.bicep)"
  "CKV_AZURE_65 detailed error pages are an IIS/App Service feature; Flex Consumption logs to Application Insights"
  "CKV_AZURE_66 failed request tracing is an IIS/App Service feature not available on Flex Consumption"
  # The registry and the accounts. The network checks pass: the data and host accounts, Key Vault and the registry
  # have public network access off; the upload account's two network checks are skipped on that resource
  # alone, inline in infra/core/upload-storage.bicep, with the reason (phones upload to it).
  "CKV_AZURE_166 quarantine is a preview of the Premium registry that holds every push until an external scanner releases it; no scanner is wired here, and the only pushes are this repository's image, built by the postdeploy hook on the registry's own agent pool inside the network"
  "CKV_AZURE_206 replication is ZRS on purpose: health data stays in one region (no geo copy); ZRS survives a zone loss"
)

skip_ids=$(printf '%s\n' "${SKIPS[@]}" | cut -d' ' -f1 | paste -sd, -)

# flock: worktrees share .tools, so two first runs must not build the venv at once.
mkdir -p .tools
exec 9> .tools/infra-venv.lock
flock 9
if [[ ! -f "$VENV/.complete" ]]; then
  echo "[infra-check] creating $VENV with checkov==$CHECKOV_VERSION (first run only)" >&2
  command -v python3 > /dev/null || { echo "[infra-check] python3 is required (apt-get install python3 python3-venv)" >&2; exit 1; }
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
  touch "$VENV/.complete"
fi
flock -u 9
if [[ "${1:-}" == "--venv" ]]; then
  echo "$VENV/bin/python"
  exit 0
fi

mapfile -t bicep_files < <(find infra -name '*.bicep' | sort)
echo "[infra-check] parsing ${#bicep_files[@]} Bicep files with pycep-parser $("$VENV/bin/pip" show pycep-parser 2> /dev/null | sed -n 's/^Version: //p')" >&2
"$VENV/bin/python" scripts/infra/parse-bicep.py "${bicep_files[@]}"

# --skip-download: no Prisma Cloud calls (offline); the check ids still resolve locally.
# Through the venv's python: the venv lives in the shared .tools, and the script's shebang names the
# worktree path it was created from, which may be gone.
checkov=("$VENV/bin/python" "$VENV/bin/checkov" --compact --quiet --skip-download --skip-check "$skip_ids")
echo "[infra-check] checkov Bicep checks on infra/ (${#SKIPS[@]} reasoned skips in scripts/infra-check.sh)" >&2
"${checkov[@]}" -d infra --framework bicep
echo "[infra-check] checkov Dockerfile checks on Dockerfile.worker" >&2
"${checkov[@]}" -f Dockerfile.worker --framework dockerfile

if command -v bicep > /dev/null; then
  echo "[infra-check] bicep build + lint infra/main.bicep" >&2
  bicep build infra/main.bicep --stdout > /dev/null
  bicep lint infra/main.bicep
else
  echo "[infra-check] SKIPPED bicep build/lint: no bicep binary on PATH (install the Bicep CLI to run them)" >&2
fi
echo "[infra-check] ok" >&2
