/**
 * Measurement helpers for `npm run bench`: the machine, CPU time, RSS sampling, a
 * model wrapper that times the engine's own share of an exploration, and text
 * formatting.
 */
import { cpus, loadavg, totalmem, platform, release } from 'node:os';
import type { Model, State } from '../explore/model.ts';

export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  totalMemGiB: number;
  node: string;
  os: string;
  loadAvg: number[];
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    cpus: c.length,
    cpuModel: c[0]?.model ?? '?',
    totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    loadAvg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** seconds of CPU (user + system) this process used since `since` */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
}

/** peak RSS of this process so far, in bytes (getrusage ru_maxrss) */
export function maxRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** samples process RSS; `sample()` is cheap enough to call every few ms */
export class RssSampler {
  readonly start = process.memoryUsage().rss;
  peak = this.start;
  sample(): void {
    const r = process.memoryUsage().rss;
    if (r > this.peak) this.peak = r;
  }
}

/** the cost of one `performance.now()` call, in ms (it is ~0.05-0.15 us: not negligible here) */
export function timerCostMs(): number {
  const n = 200_000;
  let x = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) x += performance.now();
  const per = (performance.now() - t0) / n;
  if (x === 0) return 0; // keeps the loop from being optimised away
  return per;
}

export interface TimedModel {
  model: Model;
  /** seconds inside the engine (`actions` + `next`: load, one step, pack), timer cost removed */
  engineSeconds(): number;
  /** seconds inside the properties' checks, timer cost removed */
  propertySeconds(): number;
  /** seconds the wrapper's own timer calls added to the run (subtract from its wall time) */
  timerSeconds(): number;
}

/**
 * A model that forwards to `inner` and accumulates the wall time spent in
 * `actions` and `next` (the engine: load, run one step, pack) and in the property
 * checks, so that the explorer's own share (fingerprints, visited table, queue) is
 * the rest. Each timed call costs two `performance.now()` calls; their calibrated
 * cost is taken out of the intervals and reported by `timerSeconds` so that the
 * caller can take it out of the total.
 */
export function timedModel(inner: Model): TimedModel {
  const c = timerCostMs();
  let engineMs = 0;
  let engineCalls = 0;
  let propMs = 0;
  let propCalls = 0;
  const model: Model = {
    init: () => inner.init(),
    actions(s: State, out: number[]) {
      const t = performance.now();
      inner.actions(s, out);
      engineMs += performance.now() - t;
      engineCalls++;
    },
    next(s: State, a: number) {
      const t = performance.now();
      const r = inner.next(s, a);
      engineMs += performance.now() - t;
      engineCalls++;
      return r;
    },
    properties: inner.properties.map((p) => ({
      name: p.name,
      kind: p.kind,
      check(s: State) {
        const t = performance.now();
        const r = p.check(s);
        propMs += performance.now() - t;
        propCalls++;
        return r;
      },
    })),
    ...(inner.lastLabels ? { lastLabels: () => inner.lastLabels!() } : {}),
  };
  // an interval [t, now()] contains about one timer call
  return {
    model,
    engineSeconds: () => Math.max(0, engineMs - engineCalls * c) / 1000,
    propertySeconds: () => Math.max(0, propMs - propCalls * c) / 1000,
    timerSeconds: () => (2 * (engineCalls + propCalls) * c) / 1000,
  };
}

// ---------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------

/** 1234567 -> "1.23M", 45678 -> "45.7k" */
export function si(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e9) return (n / 1e9).toFixed(2) + 'G';
  if (a >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (a >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  if (a >= 100) return String(Math.round(n));
  return n.toFixed(1);
}

export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0) + ' MiB';
}

export function secs(s: number): string {
  return s < 10 ? s.toFixed(2) + 's' : s.toFixed(1) + 's';
}

/** "0.31x" / "6.2x" / "120x" */
export function ratio(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + 'x';
}

/** a left-aligned text table (numbers right-aligned) */
export function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+~]?[\d.,]+[kMG%x]?( ?\w+)?$/.test(r[i] ?? '') || (r[i] ?? '') === '-'));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(w[i]) : c.padEnd(w[i])))
      .join('  ')
      .trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}
