// The private data account: sealed photos (copied here at submit; the only photos analysed, kept or
// deleted) and the seven-year write-once archive of workflow histories. No public network access: the
// Function App (VNet integration) and the workers (container groups in the VNet) reach it through its
// private endpoint, each with container-scoped roles (app/rbac.bicep). Reviewers' read URLs for sealed
// photos work only from inside the network too (docs/operations.md says how reviewers reach it).
// The container names are the config defaults (common/config.ts); scripts/infra/config-bicep.test.ts checks them.
param location string
param tags object
param name string
param workspaceId string
param privateEndpointsSubnetId string
param blobDnsZoneId string
@description('Days before sealed photos are deleted by the lifecycle policy (the workflow deletes them sooner).')
param photoRetentionDays int = 30
@description('Write-once retention of archived workflow histories, in days (seven years).')
param archiveRetentionDays int = 2555

// Submitted photos are copied here (functions/scans/start-when-ready.ts): no upload SAS reaches it, so a
// write to an upload URL after submit cannot change what is analysed, kept or deleted.
var sealedContainer = 'sealed-photos'
var archivesContainer = 'workflow-archives'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Disabled'
    networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices' }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // No versions (an erased photo leaves no copy); a deleted blob is restorable for one day only.
    isVersioningEnabled: false
    deleteRetentionPolicy: { enabled: true, days: 1 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource sealed 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: sealedContainer
  properties: { publicAccess: 'None' }
}

resource archives 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: archivesContainer
  properties: { publicAccess: 'None' }
}

// Seven years write-once: Temporal Cloud keeps histories 30 days, this is the audit trail. ARM cannot
// lock a policy (locking is an irreversible action, not a property): the postprovision hook locks it when
// LOCK_ARCHIVE_IMMUTABILITY=true (docs/operations.md "Deploy"); leave it false in throw-away environments.
resource archiveImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  parent: archives
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: archiveRetentionDays
    allowProtectedAppendWrites: false
  }
}

// Sealed photos of every blob type, their snapshots and any versions; the archive is kept by its policy.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-sealed-photos'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob', 'appendBlob'], prefixMatch: ['${sealedContainer}/'] }
            actions: {
              baseBlob: { delete: { daysAfterCreationGreaterThan: photoRetentionDays } }
              snapshot: { delete: { daysAfterCreationGreaterThan: 1 } }
              version: { delete: { daysAfterCreationGreaterThan: 1 } }
            }
          }
        }
      ]
    }
  }
  dependsOn: [sealed]
}

module blobEndpoint 'private-endpoint.bicep' = {
  name: 'pe-blob-${name}'
  params: {
    location: location
    tags: tags
    name: 'pe-blob-${name}'
    subnetId: privateEndpointsSubnetId
    targetId: account.id
    groupId: 'blob'
    dnsZoneId: blobDnsZoneId
  }
}

// Every read of a sealed photo or an archive, by identity or SAS (the alert in app/alerts.bicep reads these).
resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'access-logs'
  scope: blobService
  properties: {
    workspaceId: workspaceId
    logs: [{ category: 'StorageRead', enabled: true }, { category: 'StorageWrite', enabled: true }, { category: 'StorageDelete', enabled: true }]
  }
}

output accountId string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output sealedContainer string = sealed.name
output archivesContainer string = archives.name
