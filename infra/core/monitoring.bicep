// Log Analytics + workspace-based Application Insights. Local (instrumentation-key) auth is off:
// telemetry is accepted only from identities holding Monitoring Metrics Publisher (app/rbac.bicep).
// The workspace also receives every diagnostic setting (storage access, Key Vault AuditEvent, Function App
// and Event Grid logs), so its retention is how long an auditor can ask: a year at least.
param location string
param tags object
param logAnalyticsName string
param appInsightsName string
@minValue(365)
@maxValue(730)
@description('Days the workspace keeps every table (access logs, audit events, telemetry).')
param retentionInDays int = 365

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: retentionInDays }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
    RetentionInDays: retentionInDays
  }
}

output connectionString string = appInsights.properties.ConnectionString
output workspaceId string = logs.id
