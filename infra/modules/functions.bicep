// Flex Consumption Function App (Node 22) with a system-assigned identity; the host's own storage
// is reached by identity too (AzureWebJobsStorage__accountName), so no connection strings exist.
param name string
param location string
param tags object
param storageAccountName string
param appInsightsConnectionString string
param appSettings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: 'https://${storageAccountName}.blob.${environment().suffixes.storage}/deployments'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      runtime: { name: 'node', version: '22' }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
    }
    siteConfig: { minTlsVersion: '1.2', ftpsState: 'Disabled' }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, {
    AzureWebJobsStorage__accountName: storageAccountName
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  })
}

output name string = site.name
output principalId string = site.identity.principalId
