// The private network everything that holds health data or secrets is reached through (deployed first):
//   functions          the Function App's VNet integration (Flex Consumption: delegated to Microsoft.App/environments)
//   workers            the worker container groups (delegated to Microsoft.ContainerInstance/containerGroups)
//   private-endpoints  one private endpoint per private service (data account, host account, Key Vault, registry)
//   registry-agents    the registry's dedicated build agent pool (az acr build against a private registry)
// Private DNS zones make the services' public names resolve to their private endpoints inside the network.
param location string
param tags object
param name string

var subnets = [
  { name: 'functions', prefix: '10.40.1.0/24', delegation: 'Microsoft.App/environments' }
  { name: 'workers', prefix: '10.40.2.0/24', delegation: 'Microsoft.ContainerInstance/containerGroups' }
  { name: 'private-endpoints', prefix: '10.40.3.0/24', delegation: '' }
  { name: 'registry-agents', prefix: '10.40.4.0/24', delegation: '' }
]

// Nothing from the internet reaches into the network: no public IP is attached to anything in it, and each
// subnet's security group admits only traffic from inside the network (the platform default rules).
resource groups 'Microsoft.Network/networkSecurityGroups@2023-11-01' = [
  for subnet in subnets: {
    name: 'nsg-${subnet.name}-${name}'
    location: location
    tags: tags
    properties: {
      securityRules: [
        {
          name: 'deny-internet-inbound'
          properties: {
            priority: 4000
            direction: 'Inbound'
            access: 'Deny'
            protocol: '*'
            sourceAddressPrefix: 'Internet'
            sourcePortRange: '*'
            destinationAddressPrefix: '*'
            destinationPortRange: '*'
          }
        }
      ]
    }
  }
]

resource vnet 'Microsoft.Network/virtualNetworks@2023-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: ['10.40.0.0/16'] }
    subnets: [
      for (subnet, i) in subnets: {
        name: subnet.name
        properties: {
          addressPrefix: subnet.prefix
          networkSecurityGroup: { id: groups[i].id }
          delegations: empty(subnet.delegation) ? [] : [{ name: subnet.name, properties: { serviceName: subnet.delegation } }]
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

var zoneNames = {
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  queue: 'privatelink.queue.${environment().suffixes.storage}'
  vault: 'privatelink.vaultcore.azure.net'
  registry: 'privatelink.azurecr.io'
}
var zoneList = [zoneNames.blob, zoneNames.queue, zoneNames.vault, zoneNames.registry]

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [
  for zone in zoneList: {
    name: zone
    location: 'global'
    tags: tags
  }
]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [
  for (zone, i) in zoneList: {
    parent: zones[i]
    name: '${name}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: { id: vnet.id }
    }
  }
]

output vnetId string = vnet.id
output functionsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'functions')
output workersSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'workers')
output privateEndpointsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'private-endpoints')
output registryAgentsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'registry-agents')
output blobZoneId string = resourceId('Microsoft.Network/privateDnsZones', zoneNames.blob)
output queueZoneId string = resourceId('Microsoft.Network/privateDnsZones', zoneNames.queue)
output vaultZoneId string = resourceId('Microsoft.Network/privateDnsZones', zoneNames.vault)
output registryZoneId string = resourceId('Microsoft.Network/privateDnsZones', zoneNames.registry)
