// The figures `npm run bench` prints and writes: each with its unit, the goal beside it (issue 15) and by
// how much it missed; plus the machine, versions and settings, so two runs can be compared.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Goal {
  op: '<=' | '<' | '>=';
  value: number;
  /** The goal is for the ratio of the figure to its floor (issue 27), not for the figure itself. */
  ofFloor?: boolean;
}

export interface Figure {
  section: string;
  name: string;
  value: number;
  unit: string;
  goal?: Goal;
  /** What the same machine does with nothing of ours, measured in the same run (issue 27). */
  floor?: number;
  /** value / floor. */
  ratio?: number;
  /** How far from the goal, in the figure's unit; absent when met or when there is no goal. */
  missedBy?: number;
  note?: string;
}

const met = (v: number, g: Goal) => (g.op === '<=' ? v <= g.value : g.op === '<' ? v < g.value : v >= g.value);

export class BenchReport {
  readonly figures: Figure[] = [];
  readonly settings: Record<string, unknown> = {};
  /** Load averages (1, 5, 15 min) when the run started: a figure from a busy machine says little (issue 27). */
  readonly loadAtStart = os.loadavg().map((l) => +l.toFixed(2));

  add(section: string, name: string, value: number, unit: string, goal?: Goal, note?: string): Figure {
    const f: Figure = { section, name, value, unit, ...(goal ? { goal } : {}), ...(note ? { note } : {}) };
    if (goal && !met(value, goal)) f.missedBy = Math.abs(value - goal.value);
    this.figures.push(f);
    return f;
  }

  /** A figure beside its floor; a goal with `ofFloor` is checked against the ratio. */
  addAgainstFloor(section: string, name: string, value: number, floor: number, unit: string, goal?: Goal, note?: string): Figure {
    const ratio = value / floor;
    const f: Figure = { section, name, value, unit, floor, ratio, ...(goal ? { goal } : {}), ...(note ? { note } : {}) };
    const checked = goal?.ofFloor ? ratio : value;
    if (goal && !met(checked, goal)) f.missedBy = Math.abs(checked - goal.value);
    this.figures.push(f);
    return f;
  }

  table(): string {
    const fmt = (v: number) => (Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(2));
    const rows = this.figures.map((f) => [
      f.section,
      f.name,
      `${fmt(f.value)} ${f.unit}`,
      f.floor === undefined ? '' : `${fmt(f.floor)} ${f.unit}`,
      f.ratio === undefined ? '' : `${f.ratio.toFixed(2)} ×`,
      f.goal ? `${f.goal.op} ${fmt(f.goal.value)}${f.goal.ofFloor ? ' × floor' : ''}` : '',
      f.goal ? (f.missedBy === undefined ? 'met' : `missed by ${fmt(f.missedBy)}${f.goal.ofFloor ? ' ×' : ` ${f.unit}`}`) : '',
    ]);
    const head = ['section', 'figure', 'value', 'floor', 'ratio', 'goal', ''];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
    return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
  }

  write(dir: string, started: Date, versions: Record<string, string>): string {
    mkdirSync(dir, { recursive: true });
    let commit = 'unknown';
    try {
      commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    } catch {}
    const doc = {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      commit,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: +(os.totalmem() / 1024 ** 3).toFixed(1),
        platform: `${os.platform()} ${os.release()}`,
        loadAverageAtStart: this.loadAtStart,
        loadAverage1mAtEnd: +os.loadavg()[0]!.toFixed(2),
      },
      versions: { node: process.version, ...versions },
      settings: this.settings,
      figures: this.figures,
    };
    const file = path.join(dir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    writeFileSync(file, text);
    writeFileSync(path.join(dir, 'bench-latest.json'), text);
    return file;
  }
}

/** The p-th percentile (nearest rank) of ascending `xs`. */
export const percentile = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))]!;
