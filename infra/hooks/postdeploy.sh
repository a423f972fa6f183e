#!/bin/sh
# After `azd deploy` (and on its own to roll out a new worker image: `azd hooks run postdeploy`):
#   1. build the worker image on the registry's dedicated agent pool (az acr build --agent-pool: no local
#      Docker; the pool runs inside the network, so it can push to the private registry) and tag it with the commit;
#   2. roll it out (scripts/rollout.ts): WORKER_COUNT container groups of the new build beside the old
#      builds' groups (infra/worker.bicep), made current once they poll Temporal (or ramped: WORKER_RAMP_PERCENT),
#      and an old build's groups removed only once Temporal reports it drained (no open scan pinned to it),
#      waiting at most WORKER_DRAIN_WAIT_SECONDS; a build still draining keeps its groups for the next deploy
#      (or `npm run rollout -- --drain`). Rollback: `npm run rollout -- --rollback` with this environment loaded;
#   3. subscribe the upload trigger to Blob-created events on scan-uploads (it needs the deployed
#      function's blobs_extension key, hence here and not in Bicep, as the Azure Functions templates do).
set -eu
cd "$(dirname "$0")/../.."
. infra/hooks/load-env.sh

tag=${WORKER_IMAGE_TAG:-$(git rev-parse --short=12 HEAD 2> /dev/null || date -u +%Y%m%d%H%M%S)}
image="$AZURE_CONTAINER_REGISTRY_ENDPOINT/scan-worker:$tag"
echo "building $image in $AZURE_CONTAINER_REGISTRY_NAME"
az acr build --registry "$AZURE_CONTAINER_REGISTRY_NAME" --agent-pool "$AZURE_CONTAINER_REGISTRY_AGENT_POOL" \
  --image "scan-worker:$tag" --build-arg "WORKER_BUILD_ID=$tag" --file Dockerfile.worker . > /dev/null

# The azd environment (load-env.sh) gives the fleet and the workers' Temporal settings; the hook's shell
# gives the rollout's own Temporal credential (TEMPORAL_API_KEY, docs/operations.md "Rolling out").
bash scripts/with-node.sh node --import tsx scripts/rollout.ts --build "$tag" --drain-wait "${WORKER_DRAIN_WAIT_SECONDS:-120}"

key=$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" --query "systemKeys.blobs_extension" -o tsv)
endpoint="$SERVICE_API_BASE_URL/runtime/webhooks/blobs?functionName=Host.Functions.scanUploadTrigger&code=$key"
az eventgrid system-topic event-subscription create -n scan-uploads -g "$AZURE_RESOURCE_GROUP" \
  --system-topic-name "$SCAN_UPLOADS_SYSTEM_TOPIC_NAME" --endpoint-type webhook --endpoint "$endpoint" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$SCAN_UPLOADS_CONTAINER_NAME/" \
  --max-delivery-attempts 30 --event-ttl 1440 \
  --deadletter-identity systemassigned \
  --deadletter-identity-endpoint "$SCAN_STORAGE_ACCOUNT_ID/blobServices/default/containers/$UPLOAD_EVENTS_DEADLETTER_CONTAINER_NAME" > /dev/null
# Event Grid retries a failed delivery with backoff for up to 24 h (30 attempts), then writes the event to
# the dead-letter container; the reconciliation timer starts a scan whose photos are all present anyway.
echo "upload trigger subscribed to Blob-created events on $SCAN_UPLOADS_CONTAINER_NAME"
