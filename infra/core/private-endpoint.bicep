// One private endpoint for one service of one resource (blob, queue, vault, registry), registered in the
// private DNS zone of that service so that its usual host name resolves to the private address inside the
// network (infra/core/network.bicep).
param location string
param tags object
param name string
param subnetId string
@description('Resource id of the storage account, vault or registry.')
param targetId string
@description('Private link sub-resource: blob, queue, vault or registry.')
param groupId string
param dnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2023-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: { id: subnetId }
    privateLinkServiceConnections: [
      {
        name: name
        properties: { privateLinkServiceId: targetId, groupIds: [groupId] }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [{ name: groupId, properties: { privateDnsZoneId: dnsZoneId } }]
  }
}
