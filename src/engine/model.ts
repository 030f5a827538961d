/**
 * The engine as a `Model` (src/explore/model.ts): states are machine memories,
 * actions are scheduler choices (run thread i, or deliver interrupt source s on CPU c).
 * Every checker, simulator and trace tool works through this adapter.
 */
import type { Model, Property, State } from '../explore/model.ts';
import { Machine, type MachineOptions } from './machine.ts';
import { buildMachine } from './setup.ts';
import type { Variant } from './variants.ts';
import type { Workload } from './workload.ts';

export class EngineModel implements Model {
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
    this.properties = props(k);
    this.transientStates = opts.transient === true;
    this.scratch = new Int32Array(this.transientStates ? k.size : 0);
  }

  init(): State[] {
    return [this.init0.slice()];
  }

  /** the state the machine's working memory holds unmodified, if any */
  private loaded: State | null = null;

  /** the state whose unpacked copy the machine holds in its snapshot (see Machine.snapshot) */
  private snapOf: State | null = null;

  actions(s: State, out: number[]): void {
    if (this.loaded !== s) {
      this.k.load(s);
      this.loaded = s;
    }
    this.k.actions(out);
  }

  next(s: State, a: number): State | null {
    if (this.loaded === s) {
      // the first action from s: keep an unpacked copy, so the next ones restore with one copy
      this.k.snapshot();
      this.snapOf = s;
    } else if (this.snapOf === s) this.k.restore();
    else {
      this.k.load(s);
      this.snapOf = null;
    }
    this.loaded = null;
    this.k.act(a);
    this.labels = this.k.labels;
    return this.transientStates ? this.k.packInto(this.scratch) : this.k.pack();
  }

  /** see Model.transientStates: set by explorers that copy what they keep (opts.transient) */
  readonly transientStates: boolean;
  private readonly scratch: Int32Array;

  /** points the machine's working memory at state s (for inspection) */
  load(s: State): Machine {
    this.k.load(s);
    this.loaded = s;
    this.snapOf = null;
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
