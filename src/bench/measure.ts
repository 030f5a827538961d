/**
 * Measurement helpers for `npm run bench`: the machine, CPU time, RSS sampling and
 * text formatting.
 */
import { cpus, loadavg, totalmem, platform, release } from 'node:os';

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
