// ReddyFit scan pipeline, laid out like Azure's Flex Consumption azd templates: `azd provision` creates
// everything below in one pass, in this order: the network (VNet, subnets, private DNS zones), then the
// data (the public upload account, the private data and host accounts, Key Vault, the registry, each
// private one behind its private endpoint, every one logging to Log Analytics), then the apps (the Function
// App joined to the network, the roles, the alerts). `azd deploy` ships the Functions package; the
// postdeploy hook (infra/hooks/postdeploy.sh) builds the worker image on the registry's agent pool,
// deploys the worker container groups into the network (infra/worker.bicep) and subscribes the upload
// trigger to Blob-created events. docs/operations.md "What holds what" says who reaches what and where
// each access is logged. Secrets never pass through a template: the operator puts them
// (infra/hooks/put-secret.sh) and the apps read them from Key Vault at run time by identity.
targetScope = 'subscription'

@minLength(1)
@maxLength(32)
@description('azd environment name; all resource names derive from it.')
param environmentName string

@minLength(1)
@description('Region of every resource.')
param location string

@description('Temporal Cloud endpoint, host:port (e.g. reddyfit.a1b2c.tmprl.cloud:7233).')
param temporalAddress string

@description('Temporal Cloud namespace (e.g. reddyfit.a1b2c).')
param temporalNamespace string

@description('Firebase project id (Firestore, Auth, Cloud Messaging).')
param firebaseProjectId string

@description('Firebase web API key for the reviewer console (public, not a secret); empty leaves the console unavailable.')
param firebaseWebApiKey string = ''

@description('Identity Platform tenant (in the Firebase project) staff sign in to, with a second factor required (docs/operations.md).')
param staffTenantId string

@allowed(['true', 'false'])
@description('Switch on the codec endpoint for Temporal Cloud\'s Web UI (decrypts payloads for operators; audited). Off by default. A string: azd fills it from the environment (CODEC_ENABLED).')
param codecEnabled string = 'false'

@allowed(['none', 'azure', 'openai'])
@description('Model API for the vision/narrative agents; none = the formula-only pipeline.')
param modelProvider string = 'none'

@description('Azure OpenAI endpoint when modelProvider is azure (called with the worker identity, Cognitive Services OpenAI User).')
param azureOpenAiEndpoint string = ''

@description('Azure OpenAI API version when modelProvider is azure.')
param azureOpenAiApiVersion string = ''

@description('Deployment (Azure) or model name used by every agent without its own.')
param modelDeploymentDefault string = ''

@description('Resource id of an existing action group the alerts notify. Empty: alerts fire in the portal only.')
param alertActionGroupId string = ''

@description('Browser origins allowed to PUT photos to upload URLs (CORS), comma-separated; the native app needs none.')
param uploadOrigins string = ''

var abbrs = loadJsonContent('abbreviations.json')
var token = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var names = {
  resourceGroup: '${abbrs.resourceGroup}${environmentName}'
  logAnalytics: '${abbrs.logAnalytics}${token}'
  appInsights: '${abbrs.appInsights}${token}'
  virtualNetwork: '${abbrs.virtualNetwork}${token}'
  uploadStorage: '${abbrs.storageAccount}up${token}'
  dataStorage: '${abbrs.storageAccount}data${token}'
  hostStorage: '${abbrs.storageAccount}host${token}'
  keyVault: '${abbrs.keyVault}${token}'
  registry: '${abbrs.containerRegistry}${token}'
  functionApp: '${abbrs.functionApp}${token}'
  plan: '${abbrs.appServicePlan}${token}'
  apiIdentity: '${abbrs.userAssignedIdentity}api-${token}'
  workerIdentity: '${abbrs.userAssignedIdentity}worker-${token}'
  uploadsTopic: '${abbrs.eventGridSystemTopic}uploads-${token}'
  workerGroupPrefix: '${abbrs.containerGroup}worker-${token}'
}
// Flex Consumption pulls the app package from this container (as the azd templates name it).
var deploymentContainer = 'app-package-${take(names.functionApp, 32)}-${take(token, 7)}'
// Settings both processes read (common/config.ts); scripts/infra/config-bicep.test.ts keeps this honest.
var sharedSettings = {
  TEMPORAL_ADDRESS: temporalAddress
  TEMPORAL_NAMESPACE: temporalNamespace
  TEMPORAL_TLS: 'true' // Temporal Cloud only accepts TLS
  FIREBASE_PROJECT_ID: firebaseProjectId
  ScanStorage__blobServiceUri: uploadStorage.outputs.blobEndpoint
  ScanDataStorage__blobServiceUri: dataStorage.outputs.blobEndpoint
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  KEY_VAULT_URL: keyVault.outputs.uri
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identities 'core/identities.bicep' = {
  name: 'identities'
  scope: rg
  params: { location: location, tags: tags, apiName: names.apiIdentity, workerName: names.workerIdentity }
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: { location: location, tags: tags, logAnalyticsName: names.logAnalytics, appInsightsName: names.appInsights }
}

// 1. The network.
module network 'core/network.bicep' = {
  name: 'network'
  scope: rg
  params: { location: location, tags: tags, name: names.virtualNetwork }
}

// 2. The data: every account, the vault and the registry, logging to the workspace.
module uploadStorage 'core/upload-storage.bicep' = {
  name: 'upload-storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.uploadStorage
    uploadsTopicName: names.uploadsTopic
    workspaceId: monitoring.outputs.workspaceId
    uploadOrigins: empty(uploadOrigins) ? [] : split(uploadOrigins, ',')
  }
}

module dataStorage 'core/data-storage.bicep' = {
  name: 'data-storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.dataStorage
    workspaceId: monitoring.outputs.workspaceId
    privateEndpointsSubnetId: network.outputs.privateEndpointsSubnetId
    blobDnsZoneId: network.outputs.blobZoneId
  }
}

module hostStorage 'core/host-storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.hostStorage
    deploymentContainer: deploymentContainer
    workspaceId: monitoring.outputs.workspaceId
    privateEndpointsSubnetId: network.outputs.privateEndpointsSubnetId
    blobDnsZoneId: network.outputs.blobZoneId
    queueDnsZoneId: network.outputs.queueZoneId
  }
}

module keyVault 'core/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.keyVault
    workspaceId: monitoring.outputs.workspaceId
    privateEndpointsSubnetId: network.outputs.privateEndpointsSubnetId
    vaultDnsZoneId: network.outputs.vaultZoneId
  }
}

module registry 'core/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.registry
    workspaceId: monitoring.outputs.workspaceId
    privateEndpointsSubnetId: network.outputs.privateEndpointsSubnetId
    registryDnsZoneId: network.outputs.registryZoneId
    agentsSubnetId: network.outputs.registryAgentsSubnetId
  }
}

// 3. The apps.
module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.functionApp
    planName: names.plan
    identityId: identities.outputs.apiId
    identityClientId: identities.outputs.apiClientId
    hostBlobEndpoint: hostStorage.outputs.blobEndpoint
    hostQueueEndpoint: hostStorage.outputs.queueEndpoint
    uploadQueueEndpoint: uploadStorage.outputs.queueEndpoint
    deploymentContainer: deploymentContainer
    subnetId: network.outputs.functionsSubnetId
    workspaceId: monitoring.outputs.workspaceId
    appSettings: sharedSettings
    firebaseWebApiKey: firebaseWebApiKey
    staffTenantId: staffTenantId
    codecEnabled: codecEnabled == 'true'
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    uploadAccountName: names.uploadStorage
    dataAccountName: names.dataStorage
    hostAccountName: names.hostStorage
    hostContainers: hostStorage.outputs.hostContainers
    registryName: names.registry
    appInsightsName: names.appInsights
    apiPrincipalId: identities.outputs.apiPrincipalId
    workerPrincipalId: identities.outputs.workerPrincipalId
    uploadsTopicPrincipalId: uploadStorage.outputs.uploadsTopicPrincipalId
  }
  dependsOn: [uploadStorage, dataStorage, registry, monitoring]
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    appInsightsName: names.appInsights
    workspaceName: names.logAnalytics
    actionGroupId: alertActionGroupId
    uploadsTopicName: names.uploadsTopic
    dataAccountName: names.dataStorage
    sealedContainer: dataStorage.outputs.sealedContainer
    apiPrincipalId: identities.outputs.apiPrincipalId
    workerPrincipalId: identities.outputs.workerPrincipalId
  }
  dependsOn: [monitoring, uploadStorage]
}

// Read by the hooks (azd writes these outputs into the environment's .env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_BASE_URL string = api.outputs.baseUrl
output AZURE_UPLOAD_STORAGE_ACCOUNT_NAME string = names.uploadStorage
output AZURE_DATA_STORAGE_ACCOUNT_NAME string = names.dataStorage
output AZURE_KEY_VAULT_NAME string = names.keyVault
output AZURE_KEY_VAULT_URL string = keyVault.outputs.uri
output AZURE_CONTAINER_REGISTRY_NAME string = names.registry
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_AGENT_POOL string = registry.outputs.agentPoolName
output API_IDENTITY_PRINCIPAL_ID string = identities.outputs.apiPrincipalId
output WORKER_IDENTITY_PRINCIPAL_ID string = identities.outputs.workerPrincipalId
output WORKERS_SUBNET_ID string = network.outputs.workersSubnetId
output SCAN_UPLOADS_SYSTEM_TOPIC_NAME string = names.uploadsTopic
output SCAN_UPLOADS_CONTAINER_NAME string = uploadStorage.outputs.uploadsContainer
output SEALED_PHOTOS_CONTAINER_NAME string = dataStorage.outputs.sealedContainer
output WORKFLOW_ARCHIVES_CONTAINER_NAME string = dataStorage.outputs.archivesContainer
output SCAN_STORAGE_ACCOUNT_ID string = uploadStorage.outputs.accountId
output UPLOAD_EVENTS_DEADLETTER_CONTAINER_NAME string = uploadStorage.outputs.uploadEventsDeadLetterContainer
output WORKER_IDENTITY_ID string = identities.outputs.workerId
output WORKER_IDENTITY_CLIENT_ID string = identities.outputs.workerClientId
output WORKER_GROUP_PREFIX string = names.workerGroupPrefix
output WORKER_SETTINGS object = union(sharedSettings, {
  MODEL_PROVIDER: modelProvider
  AZURE_OPENAI_ENDPOINT: azureOpenAiEndpoint
  AZURE_OPENAI_API_VERSION: azureOpenAiApiVersion
  MODEL_DEPLOYMENT_DEFAULT: modelDeploymentDefault
  // Each scan finishes on the build it started on: the deploy hook's rollout (scripts/rollout.ts) removes an
  // old build's workers only once Temporal reports it drained, and makes a new build current itself.
  WORKER_SCAN_VERSIONING: 'PINNED'
  WORKER_BECOME_CURRENT: 'false'
})
