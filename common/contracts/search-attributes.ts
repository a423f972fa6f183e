import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Identifiers and coarse state only: search attributes are visible to anyone with namespace read access.
export const ScanStatusKey = defineSearchAttributeKey('ScanStatus', SearchAttributeType.KEYWORD);
export const ScanProgressKey = defineSearchAttributeKey('ScanProgress', SearchAttributeType.INT);
