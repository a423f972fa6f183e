// The worker image's registry: Premium (private endpoints need it), no public network access, no admin
// user, no anonymous pull. The worker identity pulls (AcrPull); the postdeploy hook builds the image with
// `az acr build --agent-pool` on the dedicated agent pool below, which runs inside the network (a private
// registry cannot be pushed to by the shared build agents). ACI pulls by the worker's identity as a
// trusted Azure service (networkRuleBypassOptions).
param location string
param tags object
param name string
param workspaceId string
param privateEndpointsSubnetId string
param registryDnsZoneId string
param agentsSubnetId string

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Premium' }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Disabled'
    networkRuleBypassOptions: 'AzureServices'
    zoneRedundancy: 'Enabled'
    dataEndpointEnabled: false
    policies: {
      retentionPolicy: { status: 'enabled', days: 30 } // untagged manifests
    }
  }
}

resource agents 'Microsoft.ContainerRegistry/registries/agentPools@2019-06-01-preview' = {
  parent: registry
  name: 'build'
  location: location
  tags: tags
  properties: {
    count: 1
    tier: 'S1'
    os: 'Linux'
    virtualNetworkSubnetResourceId: agentsSubnetId
  }
}

module endpoint 'private-endpoint.bicep' = {
  name: 'pe-registry-${name}'
  params: {
    location: location
    tags: tags
    name: 'pe-registry-${name}'
    subnetId: privateEndpointsSubnetId
    targetId: registry.id
    groupId: 'registry'
    dnsZoneId: registryDnsZoneId
  }
}

// Pushes, pulls and logins, by identity.
resource registryLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-logs'
  scope: registry
  properties: {
    workspaceId: workspaceId
    logs: [{ category: 'ContainerRegistryRepositoryEvents', enabled: true }, { category: 'ContainerRegistryLoginEvents', enabled: true }]
  }
}

output loginServer string = registry.properties.loginServer
output agentPoolName string = agents.name
