// Workflow entry for the bundler: every workflow the worker runs is exported from here.
export { dailyScanWorkflowV3 } from './daily-scan';
export { archiveWorkflow } from './archive';
export { eraseMemberWorkflow } from './erase-member';
