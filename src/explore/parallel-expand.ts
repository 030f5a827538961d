/**
 * Chunk expansion for the parallel explorer (parallel.ts): the work a worker thread
 * does on a chunk of frontier states, also run in the main thread while the workers
 * start. No worker_threads dependency here (parallel-worker.ts wires it to messages).
 *
 * State record: `[lo, hi, depth, len, w0 .. w(len-1)]`, (lo, hi) its fingerprint.
 * A chunk is a buffer holding its states' records and, at `offsAt`, their offsets in
 * state-index order (offsAt -1: the records are consecutive from offset 0). The main
 * thread forwards an expander's output as the next chunk, pointing at the new states'
 * records in it, so most states are never copied.
 *
 * Output of a chunk (one Int32Array), per input state: `[nsucc, sflags]`, then per
 * successor (in action order) `[action, flags, lo, hi]`, followed by
 * `[depth, len, w0 .. w(len-1)]` when flags & SENT (so that `[lo, hi, depth, len, w..]`
 * is the successor's state record); when flags & GLOBAL, `[action, flags, index, 0]`
 * instead, `index` being the successor's state index read from the main thread's
 * table (meaningless when that table has no index lane).
 * `sflags & S_QFAILS`: the state has no successor and violates 'at-quiescence'
 * properties (one entry of `fails`). Successor flags: SENT (the state follows),
 * PROGRESS (isProgress of it, when asked for), FAILS (it violates 'always'
 * properties: one entry of `fails`), LABELS (one entry of `labels`: the labels of the
 * transition this expander had not reported before). `fails` entries are
 * `[propertyIndex, reason, ...]` in property order, consumed in output order.
 *
 * Deduplication rule (what makes the main thread's in-order merge exact): a
 * successor is not sent only when (a) the main thread's visited table already holds
 * its fingerprint (a read of the shared table, visited.ts SharedTableReader), or (b)
 * its fingerprint is in this expander's local set, which holds successors it sent
 * (not from states at the depth bound) and ones it found in that table. Chunks are merged in dispatch order and each expander
 * gets its chunks in that order, so in both cases the fingerprint is in the visited
 * table by the time the record is merged (or the exploration stopped first). Dropping
 * the local set loses nothing but time, so it is small and cleared often. Labels are
 * filtered the same way.
 */
import type { IncrementalModel, Model, Property, State } from './model.ts';
import { fingerprint as fingerprintImport } from './hash.ts';
import { FingerprintTable, SharedTableReader } from './visited.ts';
import { cloneState } from './alloc.ts';
import { ExploreModelError, hasFastPath } from './bfs.ts';

const fingerprint = fingerprintImport;

export const SENT = 1;
export const PROGRESS = 2;
export const FAILS = 4;
export const LABELS = 8;
/** not sent: already in the main thread's visited table, whose index for it follows instead of (lo, hi) */
export const GLOBAL = 16;
export const S_QFAILS = 1;

/**
 * the size of the buffers chunks and outputs live in, in words (512 KiB): all of them
 * serve as outputs and as chunks in turn; an output that does not fit gets a larger one
 */
export const BUFFER_WORDS = 1 << 17;

/** words of a state record header: lo, hi, depth, len */
export const RECORD_HEADER = 4;

/** local set capacity in slots (fixed: 256 KiB), cleared when half full */
const LOCAL_SLOTS = 1 << 15;

export interface ExpandConfig {
  /** states at this depth or deeper are expanded without sending successors */
  maxDepth: number;
  /** compute model.isProgress of sent successors */
  wantProgress: boolean;
}

export interface ExpandOutput {
  out: Int32Array;
  /** words used in `out` */
  len: number;
  /** buffers too small for this output (given back for reuse) */
  spare: Int32Array[];
  fails: (number | string)[][];
  labels: string[][];
}

/** a larger copy of the first `used` words of `out` (which joins `spare`) */
function grow(out: Int32Array, used: number, words: number, spare: Int32Array[]): Int32Array {
  const b = new Int32Array(Math.max(out.length * 2, used + words + 4096));
  b.set(out.subarray(0, used));
  spare.push(out);
  return b;
}

function badAction(a: number): never {
  throw new ExploreModelError(`action ${a} out of range: actions must be integers in [0, 65535]`);
}

export class Expander {
  readonly fast: boolean;
  private readonly transient: boolean;
  private readonly hasLabels: boolean;
  private always: { p: Property; i: number }[] = [];
  private quiescent: { p: Property; i: number }[] = [];
  private local = new FingerprintTable(LOCAL_SLOTS);
  private seenLabels = new Set<string>();
  private readonly acts: number[] = [];
  private readonly fp = new Int32Array(2);

  constructor(
    private readonly model: Model,
    private readonly cfg: ExpandConfig,
    /** the main thread's visited table, when shared */
    private readonly global: SharedTableReader | null,
  ) {
    this.fast = hasFastPath(model);
    this.transient = model.transientStates === true;
    this.hasLabels = typeof model.lastLabels === 'function';
    model.properties.forEach((p, i) => {
      if (p.kind === 'always') this.always.push({ p, i });
      else if (p.kind === 'at-quiescence') this.quiescent.push({ p, i });
    });
  }

  /** bytes held by the local fingerprint set */
  get bytes(): number {
    return this.local.bytes;
  }

  /** stop checking these properties (already violated: the merge no longer needs them) */
  markViolated(indices: readonly number[]): void {
    if (indices.length === 0) return;
    const v = new Set(indices);
    this.always = this.always.filter((x) => !v.has(x.i));
    this.quiescent = this.quiescent.filter((x) => !v.has(x.i));
  }

  private remember(lo: number, hi: number): boolean {
    const t = this.local;
    if (t.size >= LOCAL_SLOTS >> 1) t.clear();
    return t.insert(lo, hi, 0) === -1;
  }

  /**
   * Expands the `n` state records of `input` at the offsets stored at `offsAt` (-1:
   * consecutive from 0); `out` is a buffer to write into (replaced by a larger one
   * when too small).
   */
  expand(input: Int32Array, offsAt: number, n: number, out: Int32Array): ExpandOutput {
    const model = this.model;
    const fast = this.fast;
    const transient = this.transient;
    const hasLabels = this.hasLabels;
    const maxDepth = this.cfg.maxDepth;
    const wantProgress = this.cfg.wantProgress;
    const global = this.global;
    const always = this.always;
    const quiescent = this.quiescent;
    const acts = this.acts;
    const fp = this.fp;
    const fails: (number | string)[][] = [];
    const labels: string[][] = [];
    const spare: Int32Array[] = [];
    let o = 0;
    let p = 0;
    for (let i = 0; i < n; i++) {
      if (offsAt >= 0) p = input[offsAt + i];
      const slo = input[p];
      const shi = input[p + 1];
      const depth = input[p + 2];
      const len = input[p + 3];
      const view = input.subarray(p + RECORD_HEADER, p + RECORD_HEADER + len);
      p += RECORD_HEADER + len;
      const s = transient ? view : cloneState(view);
      const atLimit = depth >= maxDepth;
      if (o + 2 > out.length) out = grow(out, o, 2, spare);
      const head = o;
      o += 2;
      let nsucc = 0;
      acts.length = 0;
      model.actions(s, acts);
      for (let k = 0; k < acts.length; k++) {
        const a = acts[k];
        let t: State | null = null;
        if (fast) {
          if (!(model as IncrementalModel).step(s, slo, shi, a, fp)) continue;
        } else {
          t = model.next(s, a);
          if (t === null) continue;
          fingerprint(t, fp);
        }
        if ((a & 0xffff) !== a) badAction(a);
        nsucc++;
        let flags = 0;
        if (hasLabels) {
          const ls = model.lastLabels!();
          let fresh: string[] | null = null;
          for (let j = 0; j < ls.length; j++) {
            const l = ls[j];
            if (!this.seenLabels.has(l)) {
              this.seenLabels.add(l);
              (fresh ??= []).push(l);
            }
          }
          if (fresh !== null) {
            flags |= LABELS;
            labels.push(fresh);
          }
        }
        // sent unless in the local set (cheap: sent before, or known to be in the table) or
        // in the main thread's table (a cache miss); the local set also records the latter
        const local = !atLimit && !this.remember(fp[0], fp[1]);
        const g = !local && global !== null ? global.find(fp[0], fp[1]) : -1;
        if (g >= 0) {
          if (o + 4 > out.length) out = grow(out, o, 4, spare);
          out[o] = a;
          out[o + 1] = flags | GLOBAL;
          out[o + 2] = g;
          out[o + 3] = 0;
          o += 4;
        } else if (!atLimit && !local) {
          if (fast) t = (model as IncrementalModel).packStep();
          const tt = t!;
          const tl = tt.length;
          if (o + 2 + RECORD_HEADER + tl > out.length) out = grow(out, o, 2 + RECORD_HEADER + tl, spare);
          const rec = o;
          out[rec] = a;
          out[rec + 2] = fp[0];
          out[rec + 3] = fp[1];
          out[rec + 4] = depth + 1;
          out[rec + 5] = tl;
          out.set(tt, rec + 2 + RECORD_HEADER);
          o = rec + 2 + RECORD_HEADER + tl;
          flags |= SENT;
          if (wantProgress && model.isProgress!(tt)) flags |= PROGRESS;
          if (always.length > 0) {
            let f: (number | string)[] | null = null;
            for (let j = 0; j < always.length; j++) {
              const r = always[j].p.check(tt);
              if (r !== null) (f ??= []).push(always[j].i, r);
            }
            if (f !== null) {
              flags |= FAILS;
              fails.push(f);
            }
          }
          out[rec + 1] = flags;
        } else {
          if (o + 4 > out.length) out = grow(out, o, 4, spare);
          out[o] = a;
          out[o + 1] = flags;
          out[o + 2] = fp[0];
          out[o + 3] = fp[1];
          o += 4;
        }
      }
      let sflags = 0;
      if (nsucc === 0 && quiescent.length > 0) {
        let f: (number | string)[] | null = null;
        for (let j = 0; j < quiescent.length; j++) {
          const r = quiescent[j].p.check(s);
          if (r !== null) (f ??= []).push(quiescent[j].i, r);
        }
        if (f !== null) {
          sflags |= S_QFAILS;
          fails.push(f);
        }
      }
      out[head] = nsucc;
      out[head + 1] = sflags;
    }
    return { out, len: o, spare, fails, labels };
  }

}
