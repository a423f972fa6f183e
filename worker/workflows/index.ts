// Workflow entry for the bundler: every workflow the worker runs is exported from here.

export { archiveWorkflow } from './archive';
export { dailyScanWorkflowV3 } from './daily-scan';
export { eraseMemberWorkflow } from './erase-member';
