#!/bin/sh
# After `azd provision`: lock the workflow-archives immutability policy when LOCK_ARCHIVE_IMMUTABILITY=true.
# ARM has no property for this (locking is an action); once locked the policy can only be extended and
# the account cannot be deleted until every archive has aged out, so throw-away environments leave it off:
#   azd env set LOCK_ARCHIVE_IMMUTABILITY true   # production
set -eu
. "$(dirname "$0")/load-env.sh"

if [ "${LOCK_ARCHIVE_IMMUTABILITY:-false}" != "true" ]; then
  echo "workflow-archives immutability policy left unlocked (LOCK_ARCHIVE_IMMUTABILITY is not true)"
  exit 0
fi
state=$(az storage container immutability-policy show -g "$AZURE_RESOURCE_GROUP" --account-name "$AZURE_STORAGE_ACCOUNT_NAME" \
  -c "$WORKFLOW_ARCHIVES_CONTAINER_NAME" --query state -o tsv)
if [ "$state" = "Locked" ]; then
  echo "workflow-archives immutability policy is already locked"
  exit 0
fi
etag=$(az storage container immutability-policy show -g "$AZURE_RESOURCE_GROUP" --account-name "$AZURE_STORAGE_ACCOUNT_NAME" \
  -c "$WORKFLOW_ARCHIVES_CONTAINER_NAME" --query etag -o tsv)
az storage container immutability-policy lock -g "$AZURE_RESOURCE_GROUP" --account-name "$AZURE_STORAGE_ACCOUNT_NAME" \
  -c "$WORKFLOW_ARCHIVES_CONTAINER_NAME" --if-match "$etag" > /dev/null
echo "workflow-archives immutability policy locked"
