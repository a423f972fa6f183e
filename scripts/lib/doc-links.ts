import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

// Checks the repository's Markdown pages the way a reader follows them: every relative link reaches a
// file of the repository (and a heading there, for `#anchor`), no link leaves the repository, and every
// repository path named in backticks exists. No Markdown library: the pages use a small, plain subset.

/** The pages a newcomer reads: README, CONTRIBUTING and everything under docs/. */
export function documentationPages(root: string): string[] {
  const docs = path.join(root, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .map((f) => path.join('docs', f))
    : [];
  return ['README.md', 'CONTRIBUTING.md', ...inDocs].filter((f) => existsSync(path.join(root, f)));
}

/** Lines outside fenced code blocks, with their 1-based line numbers. */
function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fenced = false;
  text.split('\n').forEach((l, i) => {
    if (/^\s*(```|~~~)/.test(l)) {
      fenced = !fenced;
      return;
    }
    if (!fenced) out.push({ line: i + 1, text: l });
  });
  return out;
}

const CODE_SPAN = /`([^`\n]+)`/g;

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const base = (heading[1] as string)
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

export interface DocProblem {
  page: string;
  line: number;
  problem: string;
}

// Roots that hold what a build or a run makes, never what the repository tracks.
const GENERATED_ROOTS = new Set(['node_modules', 'dist', 'coverage', '.data', '.tools', '.cache']);
const SOURCE_EXTENSION = /\.(ts|mts|cjs|js|md|json|jsonc|sh|bicep|py|xml|yaml|yml)$/;
const PLACEHOLDER = /[<>{}*…$]|\.\.\./;

/**
 * A code span that names a path in this repository, e.g. `worker/workflows/daily-scan.ts` or `infra/`;
 * not a URL, a command, an absolute or generated path, a package name or a blob name.
 */
function repositoryPathIn(span: string, root: string): string | undefined {
  const token = span.trim();
  if (!token.includes('/') || /\s/.test(token) || token.includes('://') || token.includes(':')) return undefined;
  if (/^([/@$~]|\.\.?\/)/.test(token)) return undefined;
  const first = token.split('/')[0] as string;
  if (GENERATED_ROOTS.has(first)) return undefined;
  const rootDirectory = existsSync(path.join(root, first)) && statSync(path.join(root, first)).isDirectory();
  if (!rootDirectory && !SOURCE_EXTENSION.test(token)) return undefined;
  return token;
}

/** The part of a path before its first placeholder segment (`worker/domain/<agent>.ts` → `worker/domain`). */
function concretePrefix(p: string): string {
  const segments = p.replace(/\/$/, '').split('/');
  const at = segments.findIndex((s) => PLACEHOLDER.test(s));
  return (at < 0 ? segments : segments.slice(0, at)).join('/');
}

function insideRoot(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Every problem of the documentation pages under `root`. */
export function documentationProblems(root: string, pages = documentationPages(root)): DocProblem[] {
  const problems: DocProblem[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (file: string) => {
    let a = anchorsOf.get(file);
    if (!a) {
      a = headingAnchors(readFileSync(file, 'utf8'));
      anchorsOf.set(file, a);
    }
    return a;
  };

  for (const page of pages) {
    const file = path.join(root, page);
    for (const { line, text } of proseLines(readFileSync(file, 'utf8'))) {
      const report = (problem: string) => problems.push({ page, line, problem });

      for (const [, span] of text.matchAll(CODE_SPAN)) {
        const named = repositoryPathIn(span as string, root);
        if (named && !existsSync(path.join(root, concretePrefix(named)))) report(`names \`${named}\`, which does not exist`);
      }

      const prose = text.replace(CODE_SPAN, '');
      const targets = [
        ...[...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string),
        ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)].map((m) => m[1] as string),
      ];
      for (const url of prose.match(/<?\b(?:https?|ftp):\/\/[^\s)>]+>?/g) ?? []) {
        report(`links outside the repository: ${url}`);
      }
      for (const target of targets) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
          if (!/^(https?|ftp):/i.test(target)) report(`links outside the repository: ${target}`); // http(s) reported above
          continue;
        }
        const [pathPart = '', anchor] = target.split('#', 2) as [string, string | undefined];
        const resolved = pathPart ? path.resolve(path.dirname(file), decodeURIComponent(pathPart)) : file;
        if (pathPart.startsWith('/') || !insideRoot(root, resolved)) {
          report(`links outside the repository: ${target}`);
          continue;
        }
        if (!existsSync(resolved)) {
          report(`links to ${target}, but ${path.relative(root, resolved)} does not exist`);
          continue;
        }
        if (anchor !== undefined) {
          if (!resolved.endsWith('.md')) report(`links to an anchor in ${target}, which is no Markdown page`);
          else if (!anchors(resolved).has(anchor)) report(`links to ${target}, but no heading there has the anchor #${anchor}`);
        }
      }
    }
  }
  return problems;
}
