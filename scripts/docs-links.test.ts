import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { documentationPages, documentationProblems, headingAnchors } from './lib/doc-links';

const root = path.resolve(__dirname, '..');
const describeProblems = (problems: ReturnType<typeof documentationProblems>) => problems.map((p) => `${p.page}:${p.line}: ${p.problem}`);

describe('the documentation pages', () => {
  it('are the README, CONTRIBUTING and the pages under docs/', () => {
    const pages = documentationPages(root);
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/design.md', 'docs/operations.md']));
  });

  it('link only inside the repository, to files and headings that exist, and name only paths that exist', () => {
    expect(describeProblems(documentationProblems(root))).toEqual([]);
  });
});

describe('the documentation check itself', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'doc-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const page = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  page('worker/workflows/daily-scan.ts', '');
  page('docs/guide.md', '# Guide\n\n## The `npm test` command (unit + integration)\n\n## Repeat\n\n## Repeat\n');

  it("derives GitHub's heading anchors, repeats numbered", () => {
    expect([...headingAnchors('# Guide\n\n## The `npm test` command (unit + integration)\n\n## Repeat\n\n## Repeat\n')]).toEqual([
      'guide',
      'the-npm-test-command-unit--integration',
      'repeat',
      'repeat-1',
    ]);
  });

  it('accepts links and paths that resolve', () => {
    page(
      'README.md',
      [
        'See [the guide](docs/guide.md#repeat-1), [the command](docs/guide.md#the-npm-test-command-unit--integration)',
        'and `worker/workflows/daily-scan.ts`, `worker/workflows/<name>.ts`, `scan-uploads/{userId}/{scanId}`,',
        '`@temporalio/testing`, `dist/worker/main.js`, `GET /api/scans`, `http://127.0.0.1:7071/review/`.',
        '```sh',
        'cat not/a/real/path.ts   # code blocks are not checked',
        '```',
      ].join('\n'),
    );
    expect(describeProblems(documentationProblems(dir, ['README.md']))).toEqual([]);
  });

  it('reports a missing file, a missing anchor, a link out of the repository and a path that does not exist', () => {
    page(
      'README.md',
      [
        'A [broken link](docs/missing.md) and a [broken anchor](docs/guide.md#nowhere).',
        'Out: [web](https://example.com/page), <https://example.com>, [up](../outside.md), [abs](/etc/passwd).',
        'Gone: `worker/workflows/renamed.ts` and `worker/gone/<name>.ts`.',
      ].join('\n'),
    );
    expect(describeProblems(documentationProblems(dir, ['README.md']))).toEqual([
      'README.md:1: links to docs/missing.md, but docs/missing.md does not exist',
      'README.md:1: links to docs/guide.md#nowhere, but no heading there has the anchor #nowhere',
      'README.md:2: links outside the repository: https://example.com/page',
      'README.md:2: links outside the repository: <https://example.com>',
      'README.md:2: links outside the repository: ../outside.md',
      'README.md:2: links outside the repository: /etc/passwd',
      'README.md:3: names `worker/workflows/renamed.ts`, which does not exist',
      'README.md:3: names `worker/gone/<name>.ts`, which does not exist',
    ]);
  });
});
