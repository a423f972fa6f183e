# Sourced by the hooks: exports the azd environment (main.bicep outputs and `azd env set` values).
# shellcheck shell=sh
command -v az > /dev/null || { echo "the Azure CLI (az) is required by this hook" >&2; exit 1; }
command -v azd > /dev/null || { echo "the Azure Developer CLI (azd) is required by this hook" >&2; exit 1; }
eval "$(azd env get-values | sed 's/^/export /')"
