import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { ScanDocumentSchema } from '../contracts/scan-document';
import { documentConverter, MalformedDocumentError } from './firestore-documents';

const snapshot = (path: string, data: unknown) => ({ ref: { path }, data: () => data }) as unknown as QueryDocumentSnapshot;

const scan = {
  scanId: 'scan_1',
  ownerId: 'member_1',
  status: 'queued',
  measurements: { weightKg: 80, heightCm: 180, age: 40, sex: 'male', capturedAt: '2026-12-01T08:00:00.000Z' },
  photos: { front: 'a', back: 'b', left: 'c', right: 'd' },
  credit: { state: 'reserved' },
  workflowId: 'scan-scan_1',
  createdAt: '2026-12-01T08:00:00.000Z',
  updatedAt: '2026-12-01T08:00:00.000Z',
};

describe('documentConverter', () => {
  const converter = documentConverter(ScanDocumentSchema.loose());

  it('passes a document with its shape on, as parsed', () => {
    expect(converter.fromFirestore(snapshot('scans/scan_1', scan))).toMatchObject({ scanId: 'scan_1', status: 'queued' });
  });

  it('refuses a malformed document with a typed error naming the fields, never their values', () => {
    const malformed = { ...scan, status: 'almost_done', measurements: { ...scan.measurements, weightKg: 'eighty-one' } };
    let thrown: unknown;
    try {
      converter.fromFirestore(snapshot('scans/scan_1', malformed));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MalformedDocumentError);
    const err = thrown as MalformedDocumentError;
    expect(err).toMatchObject({ name: 'MalformedDocumentError', code: 'malformed_document', path: 'scans/scan_1' });
    expect([...err.fields].sort()).toEqual(['measurements.weightKg', 'status']);
    expect(err.message).not.toContain('eighty-one');
    expect(err.message).not.toContain('almost_done');
  });
});

// Every read of a Firestore document goes through its collection's converter (common/scans/refs.ts and
// beside each collection's schema): a cast of snapshot data would pass an unparsed document on as typed.
describe('no cast of unparsed Firestore data', () => {
  const root = join(__dirname, '..', '..');
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
    );
  const CAST = [/\.data\(\)\s*[!?]?\s*as\s/, /\.data\(\)\s*\?\?\s*\{\}\)\s*as\s/, /\.get\('[^']+'\)\s*as\s/];

  it('holds in common/, functions/ and worker/', () => {
    const offenders = ['common', 'functions', 'worker'].flatMap(files).flatMap((file) =>
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (CAST.some((c) => c.test(line)) ? [`${relative(root, join(root, file))}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(offenders).toEqual([]);
  });

  it('would see one', () => {
    expect(CAST.some((c) => c.test('const scan = snap.data() as ScanDocument;'))).toBe(true);
    expect(CAST.some((c) => c.test("const at = (await ref.get()).get('uploadUrlsValidUntil') as unknown;"))).toBe(true);
  });
});
