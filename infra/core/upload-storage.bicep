// The public upload door, alone in its account: phones PUT photos straight here with upload URLs (user
// delegation SAS, create + write, one blob, minutes), so it must take traffic from the internet. Nothing
// else lives here: the Functions app seals each scan's photos into the private data account
// (core/data-storage.bicep) at submit and deletes them here; the lifecycle rule removes whatever is left.
// The container names are the config defaults (common/config.ts); scripts/infra/config-bicep.test.ts checks them.
param location string
param tags object
param name string
param uploadsTopicName string
param workspaceId string
@description('Browser origins allowed to PUT uploads (CORS). Native apps send no origin and need none; empty: no CORS rule.')
param uploadOrigins array = []
@description('Days before anything at the upload location is deleted by the lifecycle policy (the workflow deletes sooner; longer than UPLOAD_EXPIRY_MINUTES can be).')
param uploadRetentionDays int = 8

var uploadsContainer = 'scan-uploads'
// Blob-created events Event Grid could not deliver after its retries (the reconciliation timer also
// starts any scan whose photos are all present, so a dead-lettered event delays a scan, never loses it).
var uploadEventsDeadLetterContainer = 'upload-events-deadletter'
// The upload trigger's poison messages (the blob trigger binding's fixed name), in its connection's account.
var poisonQueue = 'webjobs-blobtrigger-poison'

// Browsers may PUT to upload URLs from these origins, nothing else (reads and lists need no CORS: nobody reads here by SAS).
var uploadCors = {
  allowedOrigins: uploadOrigins
  allowedMethods: ['PUT']
  allowedHeaders: ['x-ms-blob-type', 'content-type']
  exposedHeaders: []
  maxAgeInSeconds: 600
}

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: the upload door takes PUTs from phones on the internet (upload URLs); shared keys and anonymous access are off, nothing here is readable by an upload URL
  // checkov:skip=CKV_AZURE_59: same reason as CKV_AZURE_35: the one account with public network access, holding only unsubmitted uploads
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identities only; upload URLs are user delegation SAS
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // No versions: an overwritten upload leaves no copy behind. A deleted one stays restorable for a day only.
    isVersioningEnabled: false
    deleteRetentionPolicy: { enabled: true, days: 1 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
    cors: { corsRules: empty(uploadOrigins) ? [] : [uploadCors] }
  }
}

resource uploads 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: uploadsContainer
  properties: { publicAccess: 'None' }
}

resource uploadEventsDeadLetter 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: uploadEventsDeadLetterContainer
  properties: { publicAccess: 'None' }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource poison 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: poisonQueue
}

// Every blob type the account can hold, their snapshots and any versions (were versioning ever turned on).
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-uploads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob', 'appendBlob'], prefixMatch: ['${uploadsContainer}/', '${uploadEventsDeadLetterContainer}/'] }
            actions: {
              baseBlob: { delete: { daysAfterCreationGreaterThan: uploadRetentionDays } }
              snapshot: { delete: { daysAfterCreationGreaterThan: 1 } }
              version: { delete: { daysAfterCreationGreaterThan: 1 } }
            }
          }
        }
      ]
    }
  }
  dependsOn: [uploads, uploadEventsDeadLetter]
}

// Who wrote, read or deleted which upload, with which upload URL (SAS) or identity.
resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'access-logs'
  scope: blobService
  properties: {
    workspaceId: workspaceId
    logs: [{ category: 'StorageRead', enabled: true }, { category: 'StorageWrite', enabled: true }, { category: 'StorageDelete', enabled: true }]
  }
}

// Blob-created events for the upload trigger. Its subscription needs the deployed function's
// blobs_extension key, so the postdeploy hook creates it (as the Azure Functions templates do).
resource uploadsTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: uploadsTopicName
  location: location
  tags: tags
  // Writes undeliverable events to the dead-letter container with this identity (shared keys are off).
  identity: { type: 'SystemAssigned' }
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource topicLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'delivery-logs'
  scope: uploadsTopic
  properties: { workspaceId: workspaceId, logs: [{ category: 'DeliveryFailures', enabled: true }] }
}

output accountId string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output uploadsContainer string = uploads.name
output uploadEventsDeadLetterContainer string = uploadEventsDeadLetter.name
output poisonQueue string = poison.name
output uploadsTopicPrincipalId string = uploadsTopic.identity.principalId
