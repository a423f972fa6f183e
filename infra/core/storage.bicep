// One account, identity access only (shared keys off): the Functions host's own storage, the Flex
// Consumption deployment container, scan photos (deleted by lifecycle) and workflow archives (write-once).
// The container names are the config defaults (common/config.ts); test/config-bicep.test.ts checks them.
param location string
param tags object
param name string
param deploymentContainer string
param uploadsTopicName string
@description('Days before uploaded photos are deleted by the lifecycle policy (the workflow deletes them sooner).')
param photoRetentionDays int = 30
@description('Write-once retention of archived workflow histories, in days (seven years).')
param archiveRetentionDays int = 2555

var uploadsContainer = 'scan-uploads'
// Submitted photos are copied here (functions/scans/start-when-ready.ts): no upload SAS reaches it, so a
// write to an upload URL after submit cannot change what is analysed, kept or deleted.
var sealedContainer = 'sealed-photos'
var archivesContainer = 'workflow-archives'
// Blob-created events Event Grid could not deliver after its retries (the reconciliation timer also
// starts any scan whose photos are all present, so a dead-lettered event delays a scan, never loses it).
var uploadEventsDeadLetterContainer = 'upload-events-deadletter'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
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
    publicNetworkAccess: 'Enabled' // phones upload directly with SAS URLs
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
    cors: {
      corsRules: [
        {
          allowedOrigins: ['*'] // native apps have no fixed origin; the SAS URL is the authorisation
          allowedMethods: ['PUT']
          allowedHeaders: ['x-ms-blob-type', 'content-type']
          exposedHeaders: []
          maxAgeInSeconds: 600
        }
      ]
    }
  }
}

resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
  properties: { publicAccess: 'None' }
}

resource uploads 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: uploadsContainer
  properties: { publicAccess: 'None' }
}

resource sealed 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: sealedContainer
  properties: { publicAccess: 'None' }
}

resource uploadEventsDeadLetter 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: uploadEventsDeadLetterContainer
  properties: { publicAccess: 'None' }
}

resource archives 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: archivesContainer
  properties: { publicAccess: 'None' }
}

// Seven years write-once: Temporal Cloud keeps histories 30 days, this is the audit trail. ARM cannot
// lock a policy (locking is an irreversible action, not a property): the postprovision hook locks it when
// LOCK_ARCHIVE_IMMUTABILITY=true (README "Deploy"); leave it false in throw-away environments.
resource archiveImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  parent: archives
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: archiveRetentionDays
    allowProtectedAppendWrites: false
  }
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-scan-photos'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['${uploadsContainer}/', '${sealedContainer}/'] }
            actions: { baseBlob: { delete: { daysAfterCreationGreaterThan: photoRetentionDays } } }
          }
        }
      ]
    }
  }
  dependsOn: [uploads, sealed]
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

output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output uploadsContainer string = uploads.name
output sealedContainer string = sealed.name
output archivesContainer string = archives.name
output accountId string = account.id
output uploadEventsDeadLetterContainer string = uploadEventsDeadLetter.name
output uploadsTopicPrincipalId string = uploadsTopic.identity.principalId
