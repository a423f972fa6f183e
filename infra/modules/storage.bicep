// Photos (private, deleted by lifecycle) and workflow archives (write-once for seven years).
param name string
param location string
param tags object
@description('Days before uploaded photos are deleted by the lifecycle policy.')
param photoRetentionDays int = 30

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identities only; upload SAS URLs are user delegation SAS
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    cors: {
      corsRules: [
        { allowedOrigins: ['*'], allowedMethods: ['PUT'], allowedHeaders: ['x-ms-blob-type', 'content-type'], exposedHeaders: [], maxAgeInSeconds: 600 }
      ]
    }
  }
}

resource uploads 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'scan-uploads'
  properties: { publicAccess: 'None' }
}

resource archives 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'workflow-archives'
  properties: { publicAccess: 'None' }
}

// Seven years (2555 days), write-once: Temporal Cloud keeps histories 30 days, this is the audit trail.
resource archiveImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  parent: archives
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: 2555
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
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['scan-uploads/'] }
            actions: { baseBlob: { delete: { daysAfterCreationGreaterThan: photoRetentionDays } } }
          }
        }
      ]
    }
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
