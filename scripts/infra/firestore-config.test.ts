import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compositeIndexOf, Queries } from '../../common/scans/queries';

// What Firestore is told in production, checked offline: the rules deny every client (a static check:
// the local Firestore stand-in has no rules engine, and the official emulator is not reachable here), the
// index file holds exactly the composite indexes of the query table, no multi-field query is written
// outside that table, and the azd hook deploys both files.
const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** The rules as tokens: comments dropped, punctuation split off, whitespace ignored. */
function ruleTokens(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  return code.match(/'[^']*'|"[^"]*"|[A-Za-z_][A-Za-z0-9_.]*|\/\{[^}]*\}|\/[A-Za-z0-9_]+|[{}();:,=]|\S/g) ?? [];
}

const DENY_ALL = ruleTokens(`rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /{document=**} {
      allow read, write: if false;
    }
  }
}`);

/** Why these rules could let a client in; empty when they deny everything and say nothing else. */
function clientAccessViolations(text: string): string[] {
  const tokens = ruleTokens(text);
  const problems: string[] = [];
  const allows = tokens.join(' ').match(/\ballow\b[^;]*;/g) ?? [];
  for (const a of allows) if (a !== 'allow read , write : if false ;') problems.push(`a rule other than "if false": ${a}`);
  if (allows.length !== 1) problems.push(`expected exactly one allow statement, found ${allows.length}`);
  if (tokens.includes('function')) problems.push('a function: the rules need none');
  if (tokens.join(' ') !== DENY_ALL.join(' ')) problems.push('the rules are not exactly the deny-all rule set');
  return problems;
}

describe('firestore.rules: the API is the only door', () => {
  const rules = read('firestore.rules');

  it('denies every client read and write, and says nothing else', () => {
    expect(clientAccessViolations(rules)).toEqual([]);
  });

  it('the check fails on any rule that lets a client in', () => {
    const opened = [
      rules.replace('if false;', 'if true;'),
      rules.replace('if false;', 'if request.auth != null;'),
      rules.replace(
        'allow read, write: if false;',
        'allow read, write: if false;\n      allow read: if request.auth.uid == resource.data.ownerId;',
      ),
      rules.replace(
        'match /{document=**} {',
        'match /users/{uid} {\n      allow read, write: if request.auth.uid == uid;\n    }\n    match /{document=**} {',
      ),
      rules.replace('match /{document=**} {', 'match /{document=**} {\n      allow get: if true;'),
      rules.replace('if false;', 'if false || isOwner();'),
      rules.replace('allow read, write: if false;', 'allow write: if false;\n      allow read;'),
    ];
    for (const text of opened) expect(clientAccessViolations(text), text).not.toEqual([]);
  });
});

describe('firestore.indexes.json: every composite index the code needs, from the query table', () => {
  const file = JSON.parse(read('firestore.indexes.json')) as { indexes: unknown[]; fieldOverrides?: unknown[] };

  it('holds exactly the indexes the table derives (none missing, none left over)', () => {
    const needed = Object.values(Queries).flatMap((shape) => compositeIndexOf(shape) ?? []);
    expect(needed.length).toBeGreaterThan(0);
    const key = (i: unknown) => JSON.stringify(i);
    expect(file.indexes.map(key).sort()).toEqual(needed.map(key).sort());
    expect(file.fieldOverrides ?? []).toEqual([]);
  });

  it('derives an index from equality fields then the sorted field; one field needs none', () => {
    expect(compositeIndexOf({ collection: 'c', equal: ['a'], sortedBy: { field: 'b', direction: 'desc' } })?.fields).toEqual([
      { fieldPath: 'a', order: 'ASCENDING' },
      { fieldPath: 'b', order: 'DESCENDING' },
    ]);
    expect(compositeIndexOf({ collection: 'c', equal: ['a'] })).toBeUndefined();
    expect(compositeIndexOf({ collection: 'c', equal: [], sortedBy: { field: 'b', direction: 'asc' } })).toBeUndefined();
  });

  /** Source files of the running code (tests and the table itself excluded). */
  function sources(dir: string): string[] {
    return readdirSync(path.join(root, dir)).flatMap((name) => {
      const rel = path.join(dir, name);
      if (statSync(path.join(root, rel)).isDirectory()) return name === 'node_modules' ? [] : sources(rel);
      return rel.endsWith('.ts') && !rel.endsWith('.test.ts') && rel !== path.join('common', 'scans', 'queries.ts') ? [rel] : [];
    });
  }

  /** Statements that filter or sort on two or more named fields: a composite query outside the table. */
  function multiFieldQueries(text: string): string[] {
    return text.split(';').flatMap((statement) => {
      const fields = new Set([...statement.matchAll(/\.(?:where|orderBy)\(\s*['"`]([^'"`]+)['"`]/g)].map((m) => m[1]));
      return fields.size > 1 ? [statement.trim().slice(0, 200)] : [];
    });
  }

  it('no query on two or more fields is written outside common/scans/queries.ts', () => {
    const found = ['common', 'functions', 'worker', 'scripts']
      .flatMap(sources)
      .flatMap((file) => multiFieldQueries(read(file)).map((q) => `${file}: ${q}`));
    expect(found).toEqual([]);
    // The scan would see one.
    expect(multiFieldQueries("db.collection('scans').where('ownerId', '==', uid).orderBy('createdAt', 'desc').get();")).toHaveLength(1);
  });
});

describe('firebase.json and the azd hook deploy both files', () => {
  it('firebase.json names the rules and the indexes', () => {
    expect(JSON.parse(read('firebase.json'))).toEqual({ firestore: { rules: 'firestore.rules', indexes: 'firestore.indexes.json' } });
  });

  it('the postprovision hook (run by azd) deploys them to FIREBASE_PROJECT_ID', () => {
    expect(read('azure.yaml')).toMatch(/postprovision:[\s\S]*run: \.\/infra\/hooks\/postprovision\.sh/);
    const hook = read('infra/hooks/postprovision.sh').replace(/\s*\\\n\s*/g, ' ');
    expect(hook).toMatch(/firebase deploy --only firestore:rules,firestore:indexes --project "\$FIREBASE_PROJECT_ID"/);
    // Before the lock step, which may end the hook early.
    expect(hook.indexOf('firebase deploy')).toBeLessThan(hook.indexOf('LOCK_ARCHIVE_IMMUTABILITY:-false'));
  });
});
