#!/bin/sh
# After `azd deploy` (and on its own to roll out a new worker image: `azd hooks run postdeploy`):
#   1. build the worker image on the registry's dedicated agent pool (az acr build --agent-pool: no local
#      Docker; the pool runs inside the network, so it can push to the private registry) and tag it with the commit;
#   2. deploy WORKER_COUNT container groups of it into the workers subnet (infra/worker.bicep) and remove any beyond that count;
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

count=${WORKER_COUNT:-1}
echo "deploying $count worker container group(s)"
az deployment group create -g "$AZURE_RESOURCE_GROUP" -n worker --template-file infra/worker.bicep \
  --parameters namePrefix="$WORKER_GROUP_PREFIX" image="$image" workerCount="$count" \
  identityId="$WORKER_IDENTITY_ID" identityClientId="$WORKER_IDENTITY_CLIENT_ID" \
  registryServer="$AZURE_CONTAINER_REGISTRY_ENDPOINT" subnetId="$WORKERS_SUBNET_ID" settings="$WORKER_SETTINGS" tags="{\"azd-env-name\":\"$AZURE_ENV_NAME\"}" > /dev/null
for name in $(az container list -g "$AZURE_RESOURCE_GROUP" --query "[?starts_with(name, '$WORKER_GROUP_PREFIX-')].name" -o tsv); do
  n=${name##*-}
  if [ "$n" -gt "$count" ]; then
    echo "removing $name (WORKER_COUNT=$count)"
    az container delete -g "$AZURE_RESOURCE_GROUP" -n "$name" --yes > /dev/null
  fi
done

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
