# Sourced by put-secret.sh and postprovision.sh: grant_secret <name> deploys infra/app/secret-access.bicep,
# Key Vault Secrets User on that one secret for each process that reads it (common/secrets/secret-names.json).
# shellcheck shell=sh
grant_secret() {
  az deployment group create -g "$AZURE_RESOURCE_GROUP" -n "secret-access-$1" --template-file infra/app/secret-access.bicep \
    --parameters vaultName="$AZURE_KEY_VAULT_NAME" secretName="$1" \
    apiPrincipalId="$API_IDENTITY_PRINCIPAL_ID" workerPrincipalId="$WORKER_IDENTITY_PRINCIPAL_ID" > /dev/null
  echo "granted $1 to $(jq -r --arg name "$1" '.secrets[] | select(.secret == $name) | .readers | join(" and ")' common/secrets/secret-names.json)"
}
