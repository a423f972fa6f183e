// Alert rules over the metrics the worker exports to Application Insights (customMetrics), and over the
// access logs of the data account in Log Analytics. The metric and attribute names come from
// common/telemetry-names.json, the file the code emits them from (one home).
param location string
param tags object
param appInsightsName string
@description('The Log Analytics workspace every diagnostic setting writes to.')
param workspaceName string
@description('The private data account (sealed photos, archives) whose reads are watched.')
param dataAccountName string
@description('The sealed photos container of the data account (core/data-storage.bicep output).')
param sealedContainer string
param apiPrincipalId string
param workerPrincipalId string
@description('Action group to notify; empty = alerts are recorded in the portal only.')
param actionGroupId string = ''
@description('The Event Grid system topic of the upload container (its dead-lettered events are alerted on).')
param uploadsTopicName string

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

var actionGroups = empty(actionGroupId) ? [] : [actionGroupId]

var names = loadJsonContent('../../common/telemetry-names.json')
var outcomes = names.scanMetrics.outcomes
var duration = names.scanMetrics.duration
var archiveRuns = names.scanMetrics.archiveRuns
var pollers = names.temporalSdkMetrics.pollers
var outcome = names.outcomeAttribute
var readsOverThreshold = names.reviewMetrics.readsOverThreshold
var reviewer = names.reviewerAttribute

var rules = [
  {
    name: 'scan-failure-rate'
    description: 'More than 10% of the scans that finished in the last 15 minutes failed (outcome=failed).'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name == "${outcomes}" | extend outcome = tostring(customDimensions["${outcome}"]) | summarize total = sum(valueSum), failed = sumif(valueSum, outcome == "failed") | where total > 0 and failed / total > 0.10'
  }
  {
    // Histograms reach Application Insights as per-export aggregates (count/sum/min/max), so the p95 is
    // taken over each export's mean, weighted by its count: exact while an export holds one scan.
    name: 'scan-duration-p95'
    description: 'The 95th percentile of scan duration over the last 30 minutes is above 10 minutes.'
    severity: 2
    frequency: 'PT5M'
    window: 'PT30M'
    query: 'customMetrics | where name == "${duration}" and valueCount > 0 | summarize p95 = percentilew(valueSum / valueCount, valueCount, 95) | where p95 > 600'
  }
  {
    name: 'worker-no-poller'
    description: 'No worker has polled the task queue for 10 minutes (worker down, not ready, or cannot reach Temporal).'
    severity: 1
    frequency: 'PT5M'
    window: 'PT10M'
    query: 'customMetrics | where name == "${pollers}" | summarize pollers = max(value) | where isnull(pollers) or pollers < 1'
  }
  {
    name: 'archive-job-failed'
    description: 'A nightly workflow-history archive run failed.'
    severity: 2
    frequency: 'PT1H'
    window: 'PT1H'
    query: 'customMetrics | where name == "${archiveRuns}" and tostring(customDimensions["${outcome}"]) == "failed" | summarize failed = sum(valueSum) | where failed > 0'
  }
  {
    // The Functions app counts each reviewer's reads of health data per clock hour and records this metric
    // for every read past REVIEW_READS_ALERT_PER_HOUR (the threshold's one home is the app's config schema).
    name: 'reviewer-reads-over-threshold'
    description: 'A reviewer read members\' health data more often within one hour than REVIEW_READS_ALERT_PER_HOUR allows; the result names the reviewer.'
    severity: 2
    frequency: 'PT15M'
    window: 'PT1H'
    query: 'customMetrics | where name == "${readsOverThreshold}" | extend reviewer = tostring(customDimensions["${reviewer}"]) | summarize reads = sum(valueSum) by reviewer | where reads > 0'
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: 'alert-${rule.name}-${appInsightsName}'
    location: location
    tags: tags
    properties: {
      displayName: rule.name
      description: rule.description
      severity: rule.severity
      enabled: true
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      scopes: [appInsights.id]
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
          }
        ]
      }
      actions: { actionGroups: actionGroups }
    }
  }
]

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

// Reads of sealed photos by anyone but the two app identities (by token). Reviewers see photos through
// the Functions app (GET /api/reviews/{scanId}/photos/{angle}), so no SAS for the data account is ever
// signed and any SAS read is unexpected. Anything else is someone who should not be reading members'
// photos: an operator with a role, a new identity, a SAS or key. Failed attempts count too (a denied read
// is still someone trying).
var sealedPrefix = '/${dataAccountName}/${sealedContainer}'
var unexpectedSealedReads = 'StorageBlobLogs | where AccountName == "${dataAccountName}" and Category == "StorageRead" and ObjectKey startswith "${sealedPrefix}" | where not(AuthenticationType == "OAuth" and RequesterObjectId in ("${apiPrincipalId}", "${workerPrincipalId}")) | project TimeGenerated, OperationName, StatusCode, AuthenticationType, RequesterObjectId, RequesterUpn, CallerIpAddress, ObjectKey'

resource sealedPhotoReads 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-unexpected-sealed-photo-reads-${dataAccountName}'
  location: location
  tags: tags
  properties: {
    displayName: 'unexpected-sealed-photo-reads'
    description: 'A sealed photo was read (or a read was attempted) by someone other than the Functions or worker identity.'
    severity: 1
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    scopes: [workspace.id]
    autoMitigate: false
    criteria: {
      allOf: [
        {
          query: unexpectedSealedReads
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: actionGroups }
  }
}

resource uploadsTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: uploadsTopicName
}

// A Blob-created event Event Grid gave up on (30 attempts over 24 h): the reconciliation timer starts the
// scan anyway, but a dead-lettered event means the upload trigger was unreachable for a long time.
resource uploadEventsDeadLettered 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'upload-events-dead-lettered'
  location: 'global'
  tags: tags
  properties: {
    description: 'Event Grid dead-lettered Blob-created events of the upload container (see the upload-events-deadletter container).'
    severity: 2
    enabled: true
    scopes: [uploadsTopic.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: 'dead-lettered'
          criterionType: 'StaticThresholdCriterion'
          metricName: 'DeadLetteredCount'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: [for id in actionGroups: { actionGroupId: id }]
  }
}
