import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

// Prompts live in versioned files beside this module (prompts/<name>.<version>.md); a change of wording is
// a new file and a new version, recorded in every result the prompt produced.

export const PROMPT_VERSIONS = {
  quality: 'v1',
  estimation: 'v1',
  narrative: 'v1',
  insights: 'v1',
  nutrition: 'v1',
  workout: 'v1',
} as const;
export type PromptName = keyof typeof PROMPT_VERSIONS;

export interface Prompt {
  /** e.g. "quality.v1" */
  id: string;
  text: string;
  /** First 12 hex digits of the file's SHA-256, so an edited file without a new version is visible. */
  sha256: string;
}

const cache = new Map<string, Prompt>();

export function loadPrompt(name: PromptName, version: string = PROMPT_VERSIONS[name]): Prompt {
  const id = `${name}.${version}`;
  let p = cache.get(id);
  if (!p) {
    const text = readFileSync(path.join(__dirname, 'prompts', `${id}.md`), 'utf8').trim();
    p = { id, text, sha256: createHash('sha256').update(text).digest('hex').slice(0, 12) };
    cache.set(id, p);
  }
  return p;
}

/** The narrative system prompt for one advice agent: the shared rules with the agent's topic filled in. */
export function narrativePrompt(agent: 'insights' | 'nutrition' | 'workout'): Prompt {
  const base = loadPrompt('narrative');
  const specific = loadPrompt(agent);
  const topic = specific.text.match(/^Topic: ([^.]+)\./)?.[1] ?? agent;
  const text = base.text.replace('{{topic}}', topic).replace('{{instructions}}', specific.text.replace(/^Topic: [^.]+\.\s*/, ''));
  return { id: `${base.id}+${specific.id}`, text, sha256: createHash('sha256').update(text).digest('hex').slice(0, 12) };
}
