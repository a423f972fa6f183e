// Secrets (Temporal API key or mTLS pair, Firebase service account, payload keys) are put here by the
// operator after provisioning (README "Deploy"); the apps read them at run time with their identity.
// Nothing in a template reads or writes a secret value.
param location string
param tags object
param name string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

output uri string = vault.properties.vaultUri
