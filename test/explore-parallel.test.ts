/**
 * exploreParallel (src/explore/parallel.ts) gives the result of the sequential
 * explore(): same states, transitions, depth, terminal states, violations and labels
 * with the same paths, same cycles, also under maxStates / maxDepth / stopOn; on toy
 * models (with and without the fast path) and on the engine (checkModel).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { explore, ExploreInputError, type ExploreOptions, type ExploreResult } from '../src/explore/bfs.ts';
import { exploreParallel, ExplorerPool, type ParallelOptions } from '../src/explore/parallel.ts';
import { toyModel, type Graph, type ToySpec } from './models/toys.ts';
import { checkModel, type CheckModelArg } from '../src/check/run.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { essence, graphArb } from './explore-helpers.ts';

const TOYS = new URL('./models/toys.ts', import.meta.url).href;
const CHECK = new URL('../src/check/run.ts', import.meta.url).href;

/** sequential vs parallel on a toy, also comparing the onNewState sequences */
async function sameAsSequential(spec: ToySpec, options: ExploreOptions, par: ParallelOptions): Promise<ExploreResult> {
  const seen: string[] = [];
  const seq = explore(toyModel(spec), { ...options, onNewState: (s, i) => seen.push(`${i}:${s.join(',')}`) });
  const seenPar: string[] = [];
  const r = await exploreParallel(
    { module: TOYS, export: 'toyModel', arg: spec },
    { ...options, ...par, onNewState: (s, i) => seenPar.push(`${i}:${s.join(',')}`) },
  );
  expect(essence(r)).toEqual(essence(seq));
  expect(seenPar).toEqual(seen);
  return r;
}

/** small chunks and no main-thread head start: the workers do the work, in many chunks */
const WORKERS_ONLY: ParallelOptions = { chunkStates: 3, expandWhileStarting: false };

const TOY_SPECS: ToySpec[] = [
  { name: 'lostUpdate', args: ['at-quiescence'] },
  { name: 'lostUpdate', args: ['always'] },
  { name: 'peterson', args: [false] },
  { name: 'peterson', args: [true] },
  { name: 'philosophers' },
  { name: 'label', args: [40] },
  { name: 'livelock' },
  { name: 'torus', args: [30, 20] },
  { name: 'torus', args: [30, 20], fast: true },
  { name: 'label', args: [60], fast: true, transient: true },
  { name: 'peterson', args: [true], fast: true },
];

describe('exploreParallel equals explore on toys', () => {
  for (const workers of [1, 2]) {
    it(`complete runs, ${workers} worker(s)`, async () => {
      for (const spec of TOY_SPECS) {
        await sameAsSequential(spec, { storeEdges: true }, { ...WORKERS_ONLY, workers });
      }
    });

    it(`limits (maxStates, maxDepth, stopOn), ${workers} worker(s)`, async () => {
      const r = await sameAsSequential({ name: 'torus', args: [40, 40], fast: true }, { maxStates: 777, storeEdges: true }, { ...WORKERS_ONLY, workers });
      expect(r.limitHit).toBe('maxStates');
      expect(r.states).toBe(777);
      const d = await sameAsSequential({ name: 'torus', args: [40, 40] }, { maxDepth: 9 }, { ...WORKERS_ONLY, workers });
      expect(d.limitHit).toBe('maxDepth');
      await sameAsSequential({ name: 'philosophers' }, { maxDepth: 2 }, { ...WORKERS_ONLY, workers });
      const s = await sameAsSequential({ name: 'torus', args: [40, 40] }, { stopOn: 'first-violation' }, { ...WORKERS_ONLY, workers });
      expect(s.limitHit).toBe('stopOn');
      await sameAsSequential({ name: 'peterson', args: [true] }, { stopOn: 'all-violated' }, { ...WORKERS_ONLY, workers });
      await sameAsSequential({ name: 'lostUpdate', args: ['always'] }, { stopOn: 'first-violation' }, { ...WORKERS_ONLY, workers });
      await sameAsSequential({ name: 'livelock' }, { storeEdges: true, maxStates: 5 }, { ...WORKERS_ONLY, workers });
      await sameAsSequential({ name: 'livelock' }, { storeEdges: true, maxEdges: 7 }, { ...WORKERS_ONLY, workers });
    });
  }

  it('with the main thread expanding too, default chunks, and in the main thread only', async () => {
    for (const par of [{ mainExpands: true, workers: 1, chunkStates: 5 }, {}, { workers: 0 }] as ParallelOptions[]) {
      await sameAsSequential({ name: 'torus', args: [50, 40], fast: true }, { storeEdges: true }, par);
      await sameAsSequential({ name: 'label', args: [80] }, { maxStates: 50 }, par);
    }
  });

  it('options.isProgress (computed in the main thread) gives the same cycles', async () => {
    const spec: ToySpec = { name: 'livelock' };
    const isProgress = (s: Int32Array) => s[0] === 2;
    const seq = explore(toyModel(spec), { storeEdges: true, isProgress });
    const par = await exploreParallel({ module: TOYS, export: 'toyModel', arg: spec }, { storeEdges: true, isProgress, ...WORKERS_ONLY, workers: 2 });
    expect(essence(par)).toEqual(essence(seq));
    expect(par.cycles).toMatchObject({ checked: true });
  });

  it('random graphs (variable-length states, labels, cycles, limits)', async () => {
    await fc.assert(
      fc.asyncProperty(graphArb(60, 3), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 8 }), async (g: Graph, maxStates, maxDepth) => {
        const spec: ToySpec = { name: 'graph', args: [g] };
        await sameAsSequential(spec, { storeEdges: true }, { ...WORKERS_ONLY, chunkStates: 2, workers: 2 });
        await sameAsSequential(spec, { maxStates, maxDepth, storeEdges: true }, { ...WORKERS_ONLY, workers: 2 });
        await sameAsSequential({ ...spec, fast: true }, { stopOn: 'first-violation' }, { ...WORKERS_ONLY, workers: 1 });
      }),
      { numRuns: 15 },
    );
  });
});

describe('ExplorerPool', () => {
  it('serves explorations in turn, with the results of fresh workers, and memory estimates that do not drift', async () => {
    const pool = new ExplorerPool(TOYS, 2);
    try {
      const peaks: number[] = [];
      for (let i = 0; i < 3; i++) {
        for (const spec of [{ name: 'torus', args: [60, 50], fast: true }, { name: 'peterson', args: [true] }, { name: 'label', args: [50] }] as ToySpec[]) {
          const r = await sameAsSequential(spec, { storeEdges: true }, { pool, chunkStates: 7, expandWhileStarting: false });
          if (spec.name === 'torus') peaks.push(r.peakBytes);
        }
        // a run stopped early leaves chunks in flight: the next run must not see them
        await sameAsSequential({ name: 'torus', args: [60, 50] }, { maxStates: 100 }, { pool, chunkStates: 3, expandWhileStarting: false });
      }
      expect(peaks[2]).toBeLessThan(peaks[0] * 1.5);
      // one exploration at a time
      const spec = { module: TOYS, export: 'toyModel', arg: { name: 'torus', args: [200, 200] } };
      const first = exploreParallel(spec, { pool });
      await expect(exploreParallel(spec, { pool })).rejects.toThrow(/busy/);
      expect((await first).states).toBe(40_000);
      await expect(exploreParallel({ ...spec, module: CHECK }, { pool })).rejects.toBeInstanceOf(ExploreInputError);
    } finally {
      await pool.close();
    }
    await expect(exploreParallel({ module: TOYS, export: 'toyModel', arg: { name: 'philosophers' } }, { pool })).rejects.toThrow(/closed/);
  });
});

describe('exploreParallel errors and limits', () => {
  it('a model exception in a worker rejects with its message', async () => {
    const spec: ToySpec = { name: 'torus', args: [30, 30], throwAt: 7 };
    await expect(exploreParallel({ module: TOYS, export: 'toyModel', arg: spec }, { ...WORKERS_ONLY, workers: 2 })).rejects.toThrow('toy failure at 7');
    // and in the main thread (expanding while the workers start)
    await expect(exploreParallel({ module: TOYS, export: 'toyModel', arg: spec }, { workers: 0 })).rejects.toThrow('toy failure at 7');
  });

  it('bad options and specs', async () => {
    await expect(exploreParallel({ module: TOYS, export: 'toyModel', arg: { name: 'philosophers' } }, { workers: -1 })).rejects.toBeInstanceOf(ExploreInputError);
    await expect(exploreParallel({ module: TOYS, export: 'toyModel', arg: { name: 'philosophers' } }, { chunkStates: 0 })).rejects.toBeInstanceOf(ExploreInputError);
    await expect(exploreParallel({ module: TOYS, export: 'noSuchFactory', arg: null }, {})).rejects.toBeInstanceOf(ExploreInputError);
  });

  it('maxSeconds stops a long run', async () => {
    const r = await exploreParallel({ module: TOYS, export: 'toyModel', arg: { name: 'torus', args: [3000, 3000], fast: true } }, { maxSeconds: 0.5, workers: 2 });
    expect(r.complete).toBe(false);
    expect(r.limitHit).toBe('maxSeconds');
    expect(r.seconds).toBeLessThan(3);
  });

  it('a process ends once its explorations are done (workers terminated or idle)', () => {
    const parallel = new URL('../src/explore/parallel.ts', import.meta.url).href;
    const code = `
      const { exploreParallel, ExplorerPool } = await import(${JSON.stringify(parallel)});
      const spec = { module: ${JSON.stringify(TOYS)}, export: 'toyModel', arg: { name: 'torus', args: [3000, 3000] } };
      const a = await exploreParallel(spec, { workers: 2, maxStates: 20000 });
      const b = await exploreParallel(spec, { workers: 2, maxSeconds: 0.2 });
      const pool = new ExplorerPool(spec.module, 2); // left open: idle workers must not keep the process alive
      const c = await exploreParallel(spec, { pool, maxStates: 20000 });
      console.log(a.states, b.limitHit, c.states);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('20000 maxSeconds 20000');
    expect(r.status).toBe(0);
  });

  it('onProgress is called, last with done', async () => {
    const calls: { done: boolean; states: number }[] = [];
    const r = await exploreParallel(
      { module: TOYS, export: 'toyModel', arg: { name: 'torus', args: [300, 300] } },
      { workers: 2, onProgress: (p) => calls.push(p), progressIntervalMs: 1 },
    );
    expect(calls.at(-1)).toMatchObject({ done: true, states: r.states });
  });
});

describe('exploreParallel equals explore on the engine (checkModel)', () => {
  const arg: CheckModelArg = { variant: 'mar14', workload: WORKLOADS['uncached-read'] };
  // as runCheck explores: edges stored, every state a non-progress state
  const opts: ExploreOptions = { storeEdges: true, isProgress: () => false, maxCycles: 20 };
  let seq: ExploreResult;

  it('complete run, 2 workers', async () => {
    seq = explore(checkModel(arg), opts);
    const par = await exploreParallel({ module: CHECK, export: 'checkModel', arg }, { ...opts, workers: 2 });
    expect(essence(par)).toEqual(essence(seq));
    expect(par.violations.size).toBeGreaterThan(0);
  });

  it('1 worker, workers only; and maxStates', async () => {
    const par = await exploreParallel({ module: CHECK, export: 'checkModel', arg }, { ...opts, workers: 1, expandWhileStarting: false });
    expect(essence(par)).toEqual(essence(seq));
    const lim = { ...opts, maxStates: 12_345 };
    const p2 = await exploreParallel({ module: CHECK, export: 'checkModel', arg }, { ...lim, workers: 2 });
    expect(essence(p2)).toEqual(essence(explore(checkModel(arg), lim)));
  });
});
