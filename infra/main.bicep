// ReddyFit scan pipeline: everything the Functions app and the worker need, with managed identities and
// role assignments instead of keys. Secrets (Temporal mTLS cert/key, Firebase service account) are put
// into Key Vault out of band; apps read them through Key Vault references / the worker's identity.
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(32)
param environmentName string
param location string = resourceGroup().location
param temporalAddress string
param temporalNamespace string
param firebaseProjectId string
param workerImage string

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = { 'azd-env-name': environmentName }

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { name: 'rf-${token}', location: location, tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { name: 'rfscan${token}', location: location, tags: tags }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-rf-${token}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}

resource workerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-rf-worker-${token}'
  location: location
  tags: tags
}

module functions 'modules/functions.bicep' = {
  name: 'functions'
  params: {
    name: 'func-rf-${token}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    appInsightsConnectionString: monitoring.outputs.connectionString
    appSettings: {
      TEMPORAL_ADDRESS: temporalAddress
      TEMPORAL_NAMESPACE: temporalNamespace
      TEMPORAL_TLS_CLIENT_CERT_DATA: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=temporal-client-cert)'
      TEMPORAL_TLS_CLIENT_KEY_DATA: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=temporal-client-key)'
      FIREBASE_PROJECT_ID: firebaseProjectId
      FIREBASE_SERVICE_ACCOUNT_JSON: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=firebase-service-account)'
      PAYLOAD_ENCRYPTION_KEY: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=payload-encryption-key)'
      ScanStorage__blobServiceUri: storage.outputs.blobEndpoint
      ScanStorage__queueServiceUri: storage.outputs.queueEndpoint
    }
  }
}

module worker 'modules/worker.bicep' = {
  name: 'worker'
  params: {
    name: 'aci-rf-worker-${token}'
    location: location
    tags: tags
    image: workerImage
    identityId: workerIdentity.id
    identityClientId: workerIdentity.properties.clientId
    env: {
      TEMPORAL_ADDRESS: temporalAddress
      TEMPORAL_NAMESPACE: temporalNamespace
      FIREBASE_PROJECT_ID: firebaseProjectId
      ScanStorage__blobServiceUri: storage.outputs.blobEndpoint
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
    }
    // Resolved from Key Vault at deployment into secure environment values (never shown in the portal);
    // rotating one means redeploying the worker.
    temporalClientCert: vault.getSecret('temporal-client-cert')
    temporalClientKey: vault.getSecret('temporal-client-key')
    firebaseServiceAccount: vault.getSecret('firebase-service-account')
    payloadEncryptionKey: vault.getSecret('payload-encryption-key')
  }
}

// Role assignments: data-plane roles only, scoped to the resource that needs them.
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storage.outputs.name
}

resource functionsBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, 'functions', roles.storageBlobDataContributor)
  scope: storageAccount
  properties: {
    principalId: functions.outputs.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

// User delegation SAS for the upload URLs.
resource functionsDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, 'functions', roles.storageBlobDelegator)
  scope: storageAccount
  properties: {
    principalId: functions.outputs.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDelegator)
  }
}

resource workerBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, 'worker', roles.storageBlobDataContributor)
  scope: storageAccount
  properties: {
    principalId: workerIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

resource functionsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, 'functions', roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: functions.outputs.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource workerSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, 'worker', roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: workerIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

output AZURE_KEY_VAULT_NAME string = vault.name
output AZURE_STORAGE_ACCOUNT string = storage.outputs.name
output AZURE_FUNCTION_APP string = functions.outputs.name
