// The Temporal worker: `workerCount` container groups of one build on Azure Container Instances sharing
// the task queue. Deployed per build by the rollout (scripts/rollout.ts, run by infra/hooks/postdeploy.sh
// after it has pushed the image; ACI cannot start without one), beside the groups of older builds. The image is pulled with the worker's own identity (AcrPull).
targetScope = 'resourceGroup'

param location string = resourceGroup().location
param tags object = {}
@description('Container group names: <prefix>-<n>; the rollout passes <group prefix>-<build>, so each build has its own groups.')
param namePrefix string
@description('Full image reference, <registry>/scan-worker:<tag>.')
param image string
@minValue(1)
@maxValue(20)
@description('Container groups polling the task queue. Raise it when activity schedule-to-start latency grows (README "Deploy").')
param workerCount int = 1
param identityId string
param identityClientId string
param registryServer string
@description('The workers subnet (main.bicep output WORKERS_SUBNET_ID), delegated to Microsoft.ContainerInstance/containerGroups.')
param subnetId string
@description('Settings common/config.ts reads (main.bicep output WORKER_SETTINGS); empty values are left unset.')
param settings object

var configured = [for item in items(settings): { name: item.key, value: item.value }]
var containerEnv = concat(filter(configured, s => !empty(s.value)), [
  // DefaultAzureCredential (Blob, Key Vault, Azure OpenAI) picks the user-assigned identity by this.
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
  // Traces and metrics go to Application Insights (local auth off) with this identity's Entra ID token.
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
])

resource workers 'Microsoft.ContainerInstance/containerGroups@2023-05-01' = [
  for i in range(0, workerCount): {
    name: '${namePrefix}-${i + 1}'
    location: location
    tags: union(tags, { 'azd-service-name': 'worker' })
    identity: { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }
    properties: {
      osType: 'Linux'
      restartPolicy: 'Always'
      sku: 'Standard'
      imageRegistryCredentials: [{ server: registryServer, identity: identityId }]
      subnetIds: [{ id: subnetId }]
      containers: [
        {
          name: 'worker'
          properties: {
            image: image
            resources: { requests: { cpu: 2, memoryInGB: 4 } }
            // Health port only, for the probes; the group has no IP address of its own to expose it on.
            ports: [{ port: 8080, protocol: 'TCP' }]
            environmentVariables: containerEnv
            livenessProbe: {
              httpGet: { path: '/healthz', port: 8080, scheme: 'http' }
              initialDelaySeconds: 20
              periodSeconds: 30
              failureThreshold: 3
              timeoutSeconds: 5
            }
            readinessProbe: {
              httpGet: { path: '/readyz', port: 8080, scheme: 'http' }
              initialDelaySeconds: 10
              periodSeconds: 10
              failureThreshold: 3
              timeoutSeconds: 5
            }
          }
        }
      ]
    }
  }
]

output names array = [for i in range(0, workerCount): workers[i].name]
