// Key Vault Secrets User on one secret, for each process that reads it (common/secrets/secret-names.json,
// the table the code reads too): the Functions app cannot read the worker's Firebase key or the model key,
// and neither can read a secret it does not use. A role needs its secret to exist, so this is deployed per
// secret by infra/hooks/put-secret.sh right after the secret is put (and again by the postprovision hook
// for every secret already there).
targetScope = 'resourceGroup'

param vaultName string
@description('The secret to grant; must be in common/secrets/secret-names.json.')
param secretName string
param apiPrincipalId string
param workerPrincipalId string

var table = loadJsonContent('../../common/secrets/secret-names.json')
var entry = first(filter(table.secrets, s => s.secret == secretName))
var principals = { functions: apiPrincipalId, worker: workerPrincipalId }
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: secretName
}

resource readers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for reader in entry.readers: {
    name: guid(secret.id, principals[reader], keyVaultSecretsUser)
    scope: secret
    properties: {
      principalId: principals[reader]
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    }
  }
]
