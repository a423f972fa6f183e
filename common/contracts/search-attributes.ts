import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Identifiers and coarse state only: search attributes are visible to anyone with namespace read access.
export const ScanStatusKey = defineSearchAttributeKey('ScanStatus', SearchAttributeType.KEYWORD);
export const ScanProgressKey = defineSearchAttributeKey('ScanProgress', SearchAttributeType.INT);

/** Every custom search attribute, as the Temporal CLI and operator API name it when registering them. */
export function searchAttributeRegistrations(): Record<string, 'Keyword' | 'Int'> {
  const cliType = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.INT]: 'Int' } as const;
  return Object.fromEntries([ScanStatusKey, ScanProgressKey].map((k) => [k.name, cliType[k.type as keyof typeof cliType]]));
}
