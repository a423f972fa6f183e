#!/bin/sh
# After `azd provision`:
#   1. grant each secret already in the vault to the processes that read it (infra/hooks/grant-secret.sh;
#      a re-provision keeps the per-secret roles; new secrets are granted by put-secret.sh);
#   2. deploy firestore.rules (every client denied: the API is the only door) and firestore.indexes.json
#      (the composite indexes of common/scans/queries.ts) to FIREBASE_PROJECT_ID with firebase-tools, signed
#      in as `firebase login` or Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS) with the
#      Firebase Rules Admin and Cloud Datastore Index Admin roles on that project;
#   3. lock the workflow-archives immutability policy when LOCK_ARCHIVE_IMMUTABILITY=true. ARM has no
#      property for this (locking is an action); once locked the policy can only be extended and the data
#      account cannot be deleted until every archive has aged out, so throw-away environments leave it off:
#        azd env set LOCK_ARCHIVE_IMMUTABILITY true   # production
# Steps 1 and 3 go through Azure Resource Manager: the vault and the data account have no public network access.
set -eu
cd "$(dirname "$0")/../.."
. infra/hooks/load-env.sh
command -v jq > /dev/null || { echo "jq is required by this hook" >&2; exit 1; }
. infra/hooks/grant-secret.sh

vault_id=$(az keyvault show -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_KEY_VAULT_NAME" --query id -o tsv)
present=$(az rest --method get --url "https://management.azure.com$vault_id/secrets?api-version=2023-07-01" --query "value[].name" -o tsv)
for name in $(jq -r '.secrets[].secret' common/secrets/secret-names.json); do
  if printf '%s\n' "$present" | grep -qx "$name"; then grant_secret "$name"; fi
done

: "${FIREBASE_PROJECT_ID:?set it with azd env set FIREBASE_PROJECT_ID <project id>}"
echo "deploying Firestore rules and indexes to $FIREBASE_PROJECT_ID"
# An index the file no longer lists is left in place (no --force): deleting one is a deliberate step.
bash scripts/with-node.sh firebase deploy --only firestore:rules,firestore:indexes \
  --project "$FIREBASE_PROJECT_ID" --config firebase.json --non-interactive

if [ "${LOCK_ARCHIVE_IMMUTABILITY:-false}" != "true" ]; then
  echo "workflow-archives immutability policy left unlocked (LOCK_ARCHIVE_IMMUTABILITY is not true)"
  exit 0
fi
state=$(az storage container immutability-policy show -g "$AZURE_RESOURCE_GROUP" --account-name "$AZURE_DATA_STORAGE_ACCOUNT_NAME" \
  -c "$WORKFLOW_ARCHIVES_CONTAINER_NAME" --query state -o tsv)
if [ "$state" = "Locked" ]; then
  echo "workflow-archives immutability policy is already locked"
  exit 0
fi
etag=$(az storage container immutability-policy show -g "$AZURE_RESOURCE_GROUP" --account-name "$AZURE_DATA_STORAGE_ACCOUNT_NAME" \
  -c "$WORKFLOW_ARCHIVES_CONTAINER_NAME" --query etag -o tsv)
az storage container immutability-policy lock -g "$AZURE_RESOURCE_GROUP" --account-name "$AZURE_DATA_STORAGE_ACCOUNT_NAME" \
  -c "$WORKFLOW_ARCHIVES_CONTAINER_NAME" --if-match "$etag" > /dev/null
echo "workflow-archives immutability policy locked"
