// The HTTP API and the upload trigger: a Flex Consumption Function App (Node 22) running as its own
// user-assigned identity, joined to the network (Flex Consumption VNet integration: outbound calls leave
// through the `functions` subnet, so the private endpoints of the data account, the host account and Key Vault are
// reachable), host storage by identity in its own private account (AzureWebJobsStorage__*), package from
// a blob container there.
param location string
param tags object
param name string
param planName string
param identityId string
param identityClientId string
@description('Blob and queue endpoints of the host account (core/host-storage.bicep).')
param hostBlobEndpoint string
param hostQueueEndpoint string
@description('Queue endpoint of the upload account: the upload trigger keeps its poison messages there.')
param uploadQueueEndpoint string
param deploymentContainer string
param subnetId string
param workspaceId string
@description('Settings common/config.ts reads (see main.bicep).')
param appSettings object
@description('The codec endpoint (/api/codec/*) decrypts any workflow payload for an operator: off unless switched on here.')
param codecEnabled bool = false
@description('Browser origin of the Temporal Web UI allowed to call the codec endpoint (CORS), when it is enabled.')
param codecUiOrigin string = 'https://cloud.temporal.io'
@description('The Identity Platform tenant staff sign in to (reviewer and operator routes accept only its tokens, with a second factor).')
param staffTenantId string
@description('Firebase web API key (a public identifier, not a secret) the reviewer console at /review/ signs in with; empty: console unavailable.')
param firebaseWebApiKey string = ''
param maximumInstanceCount int = 40
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
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
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    virtualNetworkSubnetId: subnetId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostBlobEndpoint}${deploymentContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      runtime: { name: 'node', version: '22' }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: instanceMemoryMB }
    }
    siteConfig: { minTlsVersion: '1.2', ftpsState: 'Disabled', http20Enabled: true }
  }
}

// Read by the Functions host and the Azure SDKs rather than by common/config.ts (listed, with why, in
// test/config-bicep.test.ts).
var platformSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: hostBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: hostQueueEndpoint
  // The upload trigger's connection (`ScanStorage`, the upload account): identity-based, blob + queue (poison messages).
  ScanStorage__credential: 'managedidentity'
  ScanStorage__clientId: identityClientId
  ScanStorage__queueServiceUri: uploadQueueEndpoint
  // DefaultAzureCredential (Blob, Key Vault) picks the user-assigned identity by this.
  AZURE_CLIENT_ID: identityClientId
  // Local auth is off on Application Insights: the host authenticates as the identity.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // The codec endpoint for Temporal Cloud's Web UI: the UI's origin (CORS) and this app's host name (Host check).
  // Empty (unset) unless codecEnabled: the endpoint answers 404 without both.
  CODEC_UI_ORIGIN: codecEnabled ? codecUiOrigin : ''
  CODEC_ALLOWED_HOSTS: codecEnabled ? site.properties.defaultHostName : ''
  // Staff (reviewers, operators) sign in to this tenant with a second factor.
  STAFF_TENANT_ID: staffTenantId
  // The reviewer's console (/review/config.json).
  FIREBASE_WEB_API_KEY: firebaseWebApiKey
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, platformSettings)
}

// What ran: the host's and the functions' log lines (who read a member's data is in Firestore's audit log).
resource siteLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'app-logs'
  scope: site
  properties: { workspaceId: workspaceId, logs: [{ category: 'FunctionAppLogs', enabled: true }] }
}

output name string = site.name
output baseUrl string = 'https://${site.properties.defaultHostName}'
