/**
 * The engine as a `Model` (src/explore/model.ts): states are machine memories,
 * actions are scheduler choices (run thread i, or deliver interrupt source s on CPU c).
 * Every checker, simulator and trace tool works through this adapter.
 */
import type { DirectPackModel, Model, Property, State } from '../explore/model.ts';
import { Machine, type MachineOptions } from './machine.ts';
import { buildMachine } from './setup.ts';
import type { Variant } from './variants.ts';
import type { Workload } from './workload.ts';

export class EngineModel implements DirectPackModel {
  readonly k: Machine;
  private readonly init0: Int32Array;
  private labels: readonly string[] = [];
  readonly properties: Property[];

  /** `props` builds the properties to check from the machine (they read its layout) */
  constructor(
    readonly variant: Variant,
    readonly workload: Workload,
    props: (k: Machine) => Property[] = () => [],
    opts: MachineOptions = {},
  ) {
    const { k, init } = buildMachine(variant, workload, opts);
    this.k = k;
    this.init0 = init;
    this.readMasks = new Int32Array(k.size);
    let bit = 0;
    this.properties = props(k).map((p) => (p.kind === 'always' && p.reads && bit < 31 ? this.skipUnchanged(p, 1 << bit++) : p));
    this.transientStates = opts.transient === true;
    this.scratch = new Int32Array(this.transientStates ? k.size : 0);
  }

  init(): State[] {
    return [this.init0.slice()];
  }

  /**
   * The state the machine's memory holds once its write log is undone (Machine.undo),
   * if any: every action of a state runs from it, one `undo` apart, and the state is
   * unpacked (`load`) only once.
   */
  private base: State | null = null;
  /** Machine.loads when `base` was loaded (anyone may load another state into the machine) */
  private baseLoad = -1;

  /** makes the machine's memory hold s, with an empty write log */
  private from(s: State): void {
    this.packed = null;
    this.changed = -1;
    if (this.base === s && this.k.loads === this.baseLoad) this.k.undo();
    else {
      this.k.load(s);
      this.base = s;
      this.baseLoad = this.k.loads;
    }
  }

  actions(s: State, out: number[]): void {
    this.from(s);
    this.k.actions(out);
  }

  /** runs action a from state s, leaving the successor in the machine's memory */
  private run(s: State, a: number): void {
    this.from(s);
    this.k.act(a);
    this.labels = this.k.labels;
  }

  next(s: State, a: number): State | null {
    this.run(s, a);
    return this.packStep();
  }

  // --- the Model fast path (src/explore/model.ts; fingerprints: src/engine/fingerprint.ts)
  fingerprint(s: State, out: Int32Array): void {
    this.from(s);
    this.k.fingerprintFull(out);
  }

  step(s: State, lo: number, hi: number, a: number, out: Int32Array): boolean {
    this.run(s, a);
    this.k.fingerprintInto(lo, hi, out);
    return true;
  }

  packStep(): State {
    const t = this.transientStates ? this.k.packInto(this.scratch) : this.k.pack();
    this.packed = t;
    this.changed = -1;
    return t;
  }

  packedLength(): number {
    return this.k.packedLength();
  }

  packStepInto(out: Int32Array): State {
    const t = this.k.packInto(out);
    this.packed = t;
    this.changed = -1;
    return t;
  }

  /**
   * The state the last `step`/`next` packed, while the machine's write log is still that
   * step's (the next `from` or `load` ends it): `skipUnchanged` knows which words changed
   * between it and the state the step ran from.
   */
  private packed: State | null = null;

  /**
   * An 'always' property whose check is skipped on the state just packed when the step
   * changed none of the words it reads (Property.reads): the state the step ran from
   * was checked when it was new, and the property held there (else it would no longer
   * be checked). Any other state is checked in full. Each such property has one bit in
   * `readMasks[addr]` for every word it reads, so one pass over the write log
   * (`changedBits`) tells every property's check whether it may be skipped.
   */
  private skipUnchanged(p: Property, bit: number): Property {
    for (const a of p.reads!) this.readMasks[a] |= bit;
    const check = p.check;
    return {
      ...p,
      check: (s: State) => (s === this.packed && (this.changedBits() & bit) === 0 ? null : check(s)),
    };
  }

  /** per word, the bits of the skippable properties that read it */
  private readonly readMasks: Int32Array;
  /** the bits of the properties whose words the step to `packed` changed (-1: not yet known) */
  private changed = -1;

  private changedBits(): number {
    if (this.changed === -1) this.changed = this.k.logChanged(this.readMasks);
    return this.changed;
  }

  /** see Model.transientStates: set by explorers that copy what they keep (opts.transient) */
  readonly transientStates: boolean;
  private readonly scratch: Int32Array;

  /** points the machine's working memory at state s (for inspection) */
  load(s: State): Machine {
    this.packed = null;
    this.changed = -1;
    this.k.load(s);
    this.base = s;
    this.baseLoad = this.k.loads;
    return this.k;
  }

  lastLabels(): readonly string[] {
    return this.labels;
  }

  /** "io_submit" / "irq: end_page_read on cpu1" */
  describeAction(s: State, a: number): string {
    const k = this.load(s);
    const d = k.decode(a);
    if ('thread' in d) return `${k.threads[d.thread].name}: ${k.topFn(d.thread)}`;
    return `irq/${d.cpu}: ${k.irqName(d.src)}`;
  }

  /** a fresh machine state for replay */
  initial(): Int32Array {
    return this.init0.slice();
  }
}
