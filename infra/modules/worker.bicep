// The Temporal worker on Azure Container Instances, with a user-assigned identity for Blob and Key Vault.
param name string
param location string
param tags object
param image string
param identityId string
param identityClientId string
param env object
@secure()
param temporalClientCert string
@secure()
param temporalClientKey string
@secure()
param firebaseServiceAccount string
@secure()
param payloadEncryptionKey string

resource group 'Microsoft.ContainerInstance/containerGroups@2023-05-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'worker' })
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }
  properties: {
    osType: 'Linux'
    restartPolicy: 'Always'
    containers: [
      {
        name: 'worker'
        properties: {
          image: image
          resources: { requests: { cpu: 1, memoryInGB: 2 } }
          ports: [{ port: 8080, protocol: 'TCP' }]
          environmentVariables: concat(
            [for item in items(env): { name: item.key, value: item.value }],
            [
              { name: 'AZURE_CLIENT_ID', value: identityClientId }
              { name: 'TEMPORAL_TLS_CLIENT_CERT_DATA', secureValue: temporalClientCert }
              { name: 'TEMPORAL_TLS_CLIENT_KEY_DATA', secureValue: temporalClientKey }
              { name: 'FIREBASE_SERVICE_ACCOUNT_JSON', secureValue: firebaseServiceAccount }
              { name: 'PAYLOAD_ENCRYPTION_KEY', secureValue: payloadEncryptionKey }
            ]
          )
          livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 30 }
          readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 10 }
        }
      }
    ]
  }
}
