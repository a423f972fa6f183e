// Secrets (Temporal API key or mTLS pair, one Firebase service account per process, payload keys) are put
// here by the operator after provisioning (infra/hooks/put-secret.sh, docs/operations.md "Key Vault
// secrets"); each app reads only its own secrets at run time, with a role on each secret
// (app/secret-access.bicep). No public network access: the apps reach it through its private endpoint;
// the operator writes secrets through Azure Resource Manager, which the vault's network rules do not gate.
// Nothing in a template reads or writes a secret value.
param location string
param tags object
param name string
param workspaceId string
param privateEndpointsSubnetId string
param vaultDnsZoneId string

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
    publicNetworkAccess: 'Disabled'
    networkAcls: { defaultAction: 'Deny', bypass: 'None' }
  }
}

module endpoint 'private-endpoint.bicep' = {
  name: 'pe-vault-${name}'
  params: {
    location: location
    tags: tags
    name: 'pe-vault-${name}'
    subnetId: privateEndpointsSubnetId
    targetId: vault.id
    groupId: 'vault'
    dnsZoneId: vaultDnsZoneId
  }
}

// AuditEvent: every secret read, write and denied attempt, with the caller's identity and address.
resource auditLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-logs'
  scope: vault
  properties: { workspaceId: workspaceId, logs: [{ category: 'AuditEvent', enabled: true }] }
}

output uri string = vault.properties.vaultUri
