/**
 * Times `npm run check` as a child process (`node --import tsx src/cli/check.ts --json`,
 * what `npm run check` runs, without npm's own start-up), polling the child's peak RSS
 * from /proc where there is one.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CheckTiming {
  args: string[];
  seconds: number;
  exitCode: number | null;
  /** claims run and their summed exploration statistics (from the --json output) */
  claims: number;
  states: number;
  transitions: number;
  exploreSeconds: number;
  /** verdicts differing from their claims */
  mismatches: number;
  /** child's peak RSS (VmHWM), when /proc was readable */
  peakRss?: number;
  /** set when the child failed or its output could not be read */
  error?: string;
}

function vmHwm(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface ClaimJson {
  stats?: { states?: number; transitions?: number; seconds?: number };
  invariants?: { verdict: string; expected: string | null }[];
}

export function timeCheck(extraArgs: string[] = []): Promise<CheckTiming> {
  const args = ['--import', 'tsx', 'src/cli/check.ts', '--json', ...extraArgs];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let peak: number | undefined;
    const poll = setInterval(() => {
      const h = child.pid !== undefined ? vmHwm(child.pid) : undefined;
      if (h !== undefined) peak = Math.max(peak ?? 0, h);
    }, 200);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = (performance.now() - t0) / 1000;
      const base: CheckTiming = { args: ['src/cli/check.ts', '--json', ...extraArgs], seconds, exitCode: code, claims: 0, states: 0, transitions: 0, exploreSeconds: 0, mismatches: 0, ...(peak !== undefined ? { peakRss: peak } : {}) };
      let runs: ClaimJson[];
      try {
        runs = JSON.parse(Buffer.concat(out).toString('utf8')) as ClaimJson[];
        if (!Array.isArray(runs)) throw new Error('not an array');
      } catch {
        const msg = Buffer.concat(err).toString('utf8').trim().split('\n').at(-1) ?? '';
        resolve({ ...base, error: `check exited ${code} without readable --json output${msg ? `: ${msg}` : ''}` });
        return;
      }
      for (const r of runs) {
        base.claims++;
        base.states += r.stats?.states ?? 0;
        base.transitions += r.stats?.transitions ?? 0;
        base.exploreSeconds += r.stats?.seconds ?? 0;
        for (const i of r.invariants ?? []) if (i.expected !== null && i.expected !== i.verdict) base.mismatches++;
      }
      resolve(base);
    });
  });
}
