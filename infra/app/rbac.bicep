// Data-plane roles: each identity gets what its code does, on the container (or queue) it does it to;
// nothing account- or vault-wide. Secrets are granted one by one (app/secret-access.bicep, run by
// infra/hooks/put-secret.sh once a secret exists). scripts/infra/templates.test.ts holds this to that.
param uploadAccountName string
param dataAccountName string
param hostAccountName string
@description('Containers of the host account (core/host-storage.bicep): the host state and the deployment package.')
param hostContainers array
param registryName string
param appInsightsName string
param apiPrincipalId string
param workerPrincipalId string
@description('The upload events system topic: it dead-letters undeliverable Blob-created events.')
param uploadsTopicPrincipalId string

var roles = {
  // The Functions host's own containers (keys, leases, the deployment package): Owner, as the host
  // storage documentation asks, on each of its containers only.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Read, write, list and delete blobs of one container; no ACLs.
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // Only the user delegation key that signs SAS URLs: no data access of its own. A SAS signed with it
  // grants at most what the signer's container roles grant. Azure accepts this action only at account
  // scope or above, so it is the one account-scoped role (templates.test.ts allows exactly it).
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource uploadAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: uploadAccountName
}

resource uploadBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: uploadAccount
  name: 'default'
}

resource uploads 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: uploadBlobs
  name: 'scan-uploads'
}

resource uploadEventsDeadLetter 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: uploadBlobs
  name: 'upload-events-deadletter'
}

resource uploadQueues 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: uploadAccount
  name: 'default'
}

resource poison 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' existing = {
  parent: uploadQueues
  name: 'webjobs-blobtrigger-poison'
}

resource dataAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: dataAccountName
}

resource dataBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: dataAccount
  name: 'default'
}

resource sealed 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: dataBlobs
  name: 'sealed-photos'
}

resource archives 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: dataBlobs
  name: 'workflow-archives'
}

resource hostAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: hostAccountName
}

resource hostBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: hostAccount
  name: 'default'
}

resource hostContainerRefs 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = [
  for container in hostContainers: {
    parent: hostBlobs
    name: container
  }
]

resource hostQueues 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: hostAccount
  name: 'default'
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// --- The Functions app: signs upload URLs, checks and seals uploads, deletes them; signs reviewers'
// read URLs for sealed photos. No access to the archive.

resource apiUploads 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploads.id, apiPrincipalId, roles.storageBlobDataContributor)
  scope: uploads
  properties: {
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

resource apiPoison 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(poison.id, apiPrincipalId, roles.storageQueueDataContributor)
  scope: poison
  properties: {
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

resource apiUploadDelegation 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadAccount.id, apiPrincipalId, roles.storageBlobDelegator)
  scope: uploadAccount
  properties: {
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDelegator)
  }
}

resource apiSealed 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(sealed.id, apiPrincipalId, roles.storageBlobDataContributor)
  scope: sealed
  properties: {
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

resource apiHostContainers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (container, i) in hostContainers: {
    name: guid(hostContainerRefs[i].id, apiPrincipalId, roles.storageBlobDataOwner)
    scope: hostContainerRefs[i]
    properties: {
      principalId: apiPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    }
  }
]

// The host names its queues itself (per host id), so they cannot be listed in advance: the queue service of
// its own account, which holds nothing else.
resource apiHostQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostQueues.id, apiPrincipalId, roles.storageQueueDataContributor)
  scope: hostQueues
  properties: {
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

// --- The worker: reads and deletes sealed photos (analysis, retention, erasure), deletes leftovers at the
// upload location (retention, erasure), writes and reads the archive.

resource workerUploads 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploads.id, workerPrincipalId, roles.storageBlobDataContributor)
  scope: uploads
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

resource workerSealed 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(sealed.id, workerPrincipalId, roles.storageBlobDataContributor)
  scope: sealed
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

resource workerArchives 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(archives.id, workerPrincipalId, roles.storageBlobDataContributor)
  scope: archives
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

resource workerPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, workerPrincipalId, roles.acrPull)
  scope: registry
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
  }
}

// --- Both: telemetry. Event Grid: its dead letters.

resource apiTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, apiPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

resource workerTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, workerPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

resource topicDeadLetter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(uploadEventsDeadLetter.id, uploadsTopicPrincipalId, roles.storageBlobDataContributor)
  scope: uploadEventsDeadLetter
  properties: {
    principalId: uploadsTopicPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}
