// The Function App's own storage: the Functions host's state (keys, timer and blob-trigger leases) and
// the Flex Consumption deployment package. No public network access and no health data; reached through
// private endpoints from the Function App's subnet, by the Function App's identity only (app/rbac.bicep:
// roles on these containers and on the queue service, nothing else).
param location string
param tags object
param name string
param deploymentContainer string
param workspaceId string
param privateEndpointsSubnetId string
param blobDnsZoneId string
param queueDnsZoneId string

// The host's containers are made here so that its roles can be scoped to them (it would create them itself).
var hostContainers = ['azure-webjobs-hosts', 'azure-webjobs-secrets', deploymentContainer]

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
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for container in hostContainers: {
    parent: blobService
    name: container
    properties: { publicAccess: 'None' }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
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

module queueEndpoint 'private-endpoint.bicep' = {
  name: 'pe-queue-${name}'
  params: {
    location: location
    tags: tags
    name: 'pe-queue-${name}'
    subnetId: privateEndpointsSubnetId
    targetId: account.id
    groupId: 'queue'
    dnsZoneId: queueDnsZoneId
  }
}

resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'access-logs'
  scope: blobService
  properties: {
    workspaceId: workspaceId
    logs: [{ category: 'StorageRead', enabled: true }, { category: 'StorageWrite', enabled: true }, { category: 'StorageDelete', enabled: true }]
  }
}

resource queueLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'access-logs'
  scope: queueService
  properties: {
    workspaceId: workspaceId
    logs: [{ category: 'StorageRead', enabled: true }, { category: 'StorageWrite', enabled: true }, { category: 'StorageDelete', enabled: true }]
  }
}

output accountId string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output hostContainers array = hostContainers
