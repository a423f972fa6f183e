// ReddyFit scan pipeline, laid out like Azure's Flex Consumption azd templates: `azd provision` creates
// everything below in one pass; `azd deploy` ships the Functions package; the postdeploy hook
// (infra/hooks/postdeploy.sh) builds and pushes the worker image, deploys the worker container groups
// (infra/worker.bicep) and subscribes the upload trigger to Blob-created events.
// Secrets never pass through a template: the apps read them from Key Vault at run time by identity.
targetScope = 'subscription'

@minLength(1)
@maxLength(32)
@description('azd environment name; all resource names derive from it.')
param environmentName string

@minLength(1)
@description('Region of every resource.')
param location string

@description('Object id of the deployer (azd sets AZURE_PRINCIPAL_ID); gets Key Vault Secrets Officer to put the secrets. Empty: nobody.')
param principalId string = ''

@description('Temporal Cloud endpoint, host:port (e.g. reddyfit.a1b2c.tmprl.cloud:7233).')
param temporalAddress string

@description('Temporal Cloud namespace (e.g. reddyfit.a1b2c).')
param temporalNamespace string

@description('Firebase project id (Firestore, Auth, Cloud Messaging).')
param firebaseProjectId string

@description('Firebase web API key for the reviewer console (public, not a secret); empty leaves the console unavailable.')
param firebaseWebApiKey string = ''

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

var abbrs = loadJsonContent('abbreviations.json')
var token = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var names = {
  resourceGroup: '${abbrs.resourceGroup}${environmentName}'
  logAnalytics: '${abbrs.logAnalytics}${token}'
  appInsights: '${abbrs.appInsights}${token}'
  storage: '${abbrs.storageAccount}${token}'
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
// Settings both processes read (common/config.ts); test/config-bicep.test.ts keeps this honest.
var sharedSettings = {
  TEMPORAL_ADDRESS: temporalAddress
  TEMPORAL_NAMESPACE: temporalNamespace
  TEMPORAL_TLS: 'true' // Temporal Cloud only accepts TLS
  FIREBASE_PROJECT_ID: firebaseProjectId
  ScanStorage__blobServiceUri: storage.outputs.blobEndpoint
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

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: names.storage
    deploymentContainer: deploymentContainer
    uploadsTopicName: names.uploadsTopic
  }
}

module keyVault 'core/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: { location: location, tags: tags, name: names.keyVault }
}

module registry 'core/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: { location: location, tags: tags, name: names.registry }
}

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
    storageAccountName: names.storage
    deploymentContainer: deploymentContainer
    appSettings: sharedSettings
    firebaseWebApiKey: firebaseWebApiKey
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: names.storage
    keyVaultName: names.keyVault
    registryName: names.registry
    appInsightsName: names.appInsights
    apiPrincipalId: identities.outputs.apiPrincipalId
    workerPrincipalId: identities.outputs.workerPrincipalId
    uploadsTopicPrincipalId: storage.outputs.uploadsTopicPrincipalId
    deployerPrincipalId: principalId
  }
  dependsOn: [storage, keyVault, registry, monitoring]
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    appInsightsName: names.appInsights
    actionGroupId: alertActionGroupId
    uploadsTopicName: names.uploadsTopic
  }
  dependsOn: [monitoring, storage]
}

// Read by the hooks (azd writes these outputs into the environment's .env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_BASE_URL string = api.outputs.baseUrl
output AZURE_STORAGE_ACCOUNT_NAME string = names.storage
output AZURE_KEY_VAULT_NAME string = names.keyVault
output AZURE_KEY_VAULT_URL string = keyVault.outputs.uri
output AZURE_CONTAINER_REGISTRY_NAME string = names.registry
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output SCAN_UPLOADS_SYSTEM_TOPIC_NAME string = names.uploadsTopic
output SCAN_UPLOADS_CONTAINER_NAME string = storage.outputs.uploadsContainer
output SEALED_PHOTOS_CONTAINER_NAME string = storage.outputs.sealedContainer
output WORKFLOW_ARCHIVES_CONTAINER_NAME string = storage.outputs.archivesContainer
output SCAN_STORAGE_ACCOUNT_ID string = storage.outputs.accountId
output UPLOAD_EVENTS_DEADLETTER_CONTAINER_NAME string = storage.outputs.uploadEventsDeadLetterContainer
output WORKER_IDENTITY_ID string = identities.outputs.workerId
output WORKER_IDENTITY_CLIENT_ID string = identities.outputs.workerClientId
output WORKER_GROUP_PREFIX string = names.workerGroupPrefix
output WORKER_SETTINGS object = union(sharedSettings, {
  MODEL_PROVIDER: modelProvider
  AZURE_OPENAI_ENDPOINT: azureOpenAiEndpoint
  AZURE_OPENAI_API_VERSION: azureOpenAiApiVersion
  MODEL_DEPLOYMENT_DEFAULT: modelDeploymentDefault
})
