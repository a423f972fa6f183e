#!/bin/sh
# Puts one Key Vault secret and grants it to the processes that read it, and to no one else:
#   infra/hooks/put-secret.sh <secret-name> <file>      (names: common/secrets/secret-names.json)
# The vault has no public network access, so the data-plane `az keyvault secret set` cannot reach it from
# outside the network; this writes the secret through Azure Resource Manager instead (the deployer's
# Contributor or Owner role on the resource group allows it; AuditEvent and the activity log record it).
# The value goes from the file into a request body readable only by this user, removed on exit; it is
# never on a command line. Then infra/app/secret-access.bicep gives each reader Key Vault Secrets User on
# this secret alone (a role on a secret needs the secret to exist, hence here and not in azd provision).
set -eu
cd "$(dirname "$0")/../.."
. infra/hooks/load-env.sh
command -v jq > /dev/null || { echo "jq is required by this hook" >&2; exit 1; }
[ $# -eq 2 ] || { echo "usage: $0 <secret-name> <file>" >&2; exit 2; }
name=$1
file=$2
jq -e --arg name "$name" '.secrets[] | select(.secret == $name)' common/secrets/secret-names.json > /dev/null ||
  { echo "$name is not a secret the apps read (common/secrets/secret-names.json)" >&2; exit 2; }

umask 077
body=$(mktemp)
trap 'rm -f "$body"' EXIT
jq -n --rawfile value "$file" '{properties: {value: $value}}' > "$body"
vault_id=$(az keyvault show -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_KEY_VAULT_NAME" --query id -o tsv)
az rest --method put --url "https://management.azure.com$vault_id/secrets/$name?api-version=2023-07-01" --body "@$body" > /dev/null
echo "put $name in $AZURE_KEY_VAULT_NAME"

. infra/hooks/grant-secret.sh
grant_secret "$name"
