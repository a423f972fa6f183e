// The worker image's registry: no admin user, no anonymous pull; the worker identity pulls (AcrPull),
// the deployer pushes through `az acr build` (the build runs in the registry, no local Docker needed).
param location string
param tags object
param name string

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output loginServer string = registry.properties.loginServer
