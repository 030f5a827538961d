/**
 * Workloads of one's own: proofs/workload.schema.json describes the Workload type
 * (every field of the type is in the schema, and nothing else), every built-in workload
 * validates against it, a bad file gets one line naming the bad field, and the CLIs
 * take a file or the --iocbs/--pages/--cpus family wherever they take a workload.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { IocbSpec, Workload } from '../src/engine/workload.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { LARGER } from '../src/random/larger.ts';
import { familyWorkload, parseWorkload, WorkloadFileError } from '../src/check/workloadFile.ts';
import { INVARIANTS } from '../src/check/invariants.ts';

const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
function run(script: string, args: string[]) {
  const r = spawnSync(tsx, [join('src/cli', script), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Required<...> makes tsc name every field of the type: a field added to Workload fails to
// compile here until it is added, and then fails the schema (additionalProperties: false)
// until the schema has it too
const fullIocb: Required<IocbSpec> = { op: 'pread', offset: 0, nbytes: 4, faultingBuffer: false };
const full: Required<Workload> = {
  name: 'every-field',
  description: 'a workload with every optional field present',
  cpus: 2,
  pageSize: 4,
  fileSize: 8,
  cache: ['absent', 'uptodate'],
  buckets: [0, 0],
  ioError: [1],
  fd: { mode: 'rw', odirect: false, aioRead: true },
  iocbs: [fullIocb],
  syncReader: { offset: 0, nbytes: 4, cpu: 1 },
  getevents: { min_nr: 1, nr: 1, timeout: 'timer', signal: true, callers: 1, thread: true, cpu: 1 },
  destroy: true,
  exit: false,
  retryCap: 16,
  blocking: { metadata: true, requestCongestion: false, allocCongestion: false, dirtyThrottle: false },
  workerCpus: [0, 1],
  irqSources: 6,
};

const bad = (w: object) => {
  try {
    parseWorkload(JSON.stringify(w), 'my.json');
    return null;
  } catch (e) {
    if (e instanceof WorkloadFileError) return e.message;
    throw e;
  }
};

describe('proofs/workload.schema.json', () => {
  it('accepts a workload with every field of the Workload type', () => {
    expect(bad(full)).toBeNull();
  });

  it('accepts every built-in workload and the scaling family', () => {
    for (const w of [...Object.values(WORKLOADS), ...Object.values(LARGER)]) expect(bad(w), w.name).toBeNull();
    for (const i of [1, 2, 3]) for (const p of [1, 2, 3]) expect(bad(familyWorkload(i, p))).toBeNull();
  });

  it('names the bad field in one line', () => {
    expect(bad({ ...full, iocbs: [{ ...fullIocb, op: 'read' }] })).toBe('my.json: iocbs.0.op: must be one of "pread", "pwrite", "fsync", "fdsync"');
    expect(bad({ ...full, cpus: 9 })).toBe('my.json: cpus: must be <= 4');
    expect(bad({ ...full, colour: 'red' })).toBe('my.json: colour: unknown field');
    const { retryCap: _r, ...noCap } = full;
    expect(bad(noCap)).toBe('my.json: retryCap: missing');
    expect(bad({ ...full, fd: { mode: 'r' } })).toBe('my.json: fd.aioRead: missing');
    expect(bad({ ...full, getevents: { ...full.getevents, cpu: 3 } })).toBe('my.json: getevents.cpu: must be less than cpus (2)');
    expect(bad({ ...full, cache: ['absent'] })).toMatch(/^my\.json: cache must give a state for each of the 2 pages$/);
    expect(() => parseWorkload('{', 'my.json')).toThrow(/^my\.json: not valid JSON/);
  });
});

describe('the CLIs take a workload of one\'s own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'workload-'));
  const mine = { ...WORKLOADS['uncached-read'], name: 'my-read', description: 'my own uncached read' };
  const file = join(dir, 'my.json');
  writeFileSync(file, JSON.stringify(mine));

  it('check --workload FILE explores it on the variants asked for, without expectations; the trace command it prints works', () => {
    const r = run('check.ts', ['--variant', 'mar14', '--workload', file]);
    expect(r.code).toBe(1); // mar14's NULL-pointer oops, which no claim expects here
    expect(r.out).toMatch(new RegExp(`^\\s+my-read(\\s+\\S+){${INVARIANTS.length}}\\s+[\\d,]+$`, 'm'));
    expect(r.out).toContain('(no claim explains it)');
    const cmd = r.out.split('\n').find((l) => l.includes('npm run trace -- --variant mar14 --workload'))!;
    expect(cmd).toContain(`--workload ${file}`);
    const args = cmd.trim().split(/\s+/).slice(4);
    const t = run('trace.ts', [...args, '--format', 'json', '--out', join(dir, 't.json')]);
    expect(t.code, t.err).toBe(0);
    const rr = run('replay.ts', [join(dir, 't.json')]);
    expect(rr.out).toContain('reproduced');
  });

  it('--iocbs/--pages/--cpus build the family without a file', () => {
    const r = run('check.ts', ['--variant', 'proposed', '--iocbs', '1', '--pages', '1', '--cpus', '3', '--json']);
    // exit 1: a violation no claim expects, the kioctx leak (ctx-accounting) and nothing else
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j[0].invariants.filter((i: { verdict: string }) => i.verdict === 'violated').map((i: { invariant: string }) => i.invariant)).toEqual(['ctx-accounting']);
    expect(j.map((c: { claim: string }) => c.claim)).toEqual(['proposed.scale-1iocb-1page-3cpu']);
    expect(j[0].stats.complete).toBe(true);
    const s = run('simulate.ts', ['--variant', 'mar14+runListNullCheck', '--iocbs', '2', '--pages', '1', '--seed', '3']);
    expect(s.code, s.err).toBe(0);
  });

  it('a bad workload file or family is one line and exit 2', () => {
    const badFile = join(dir, 'bad.json');
    writeFileSync(badFile, JSON.stringify({ ...mine, iocbs: [{ op: 'pread', offset: -1, nbytes: 4 }] }));
    for (const [script, args] of [
      ['check.ts', ['--workload', badFile]],
      ['trace.ts', ['--variant', 'mar14', '--workload', badFile, '--invariant', 'progress']],
      ['simulate.ts', ['--variant', 'mar14', '--workload', badFile]],
      ['check.ts', ['--workload', join(dir, 'missing.json')]],
      ['check.ts', ['--iocbs', '2']],
      ['check.ts', ['--iocbs', '4', '--pages', '1']],
    ] as const) {
      const r = run(script, [...args]);
      expect(r.code, `${script} ${args.join(' ')}`).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.out).toBe('');
    }
    expect(run('check.ts', ['--workload', badFile]).err).toBe(`error: ${badFile}: iocbs.0.offset: must be >= 0\n`);
  });
});
