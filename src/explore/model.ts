/**
 * The one interface every checker, simulator and visualiser in this project works
 * through (after Stateright's `Model`): initial states, the actions enabled in a
 * state, the next state, and the properties to check.
 *
 * States are packed `Int32Array`s: cloning is a memcpy, fingerprinting is a hash
 * over the words, and a state never aliases another one. A model must put into the
 * state everything that affects its future (thread positions and locals included):
 * the explorer relies on that for sound state hashing.
 */
export type State = Int32Array;

export type PropertyKind =
  /** must hold in every reachable state */
  | 'always'
  /** must hold in every terminal (no enabled action) state */
  | 'at-quiescence';

export interface Property {
  /** stable name, e.g. `ki-users-accounting` */
  name: string;
  kind: PropertyKind;
  /** returns null when the property holds in `s`, else a one-line reason */
  check(s: State): string | null;
  /**
   * Optional: every state index `check` reads when the property holds (a static
   * superset). A model that knows which words a step changed may then skip an 'always'
   * check of a new state when the step changed none of them: the state it came from
   * was checked when it was new and the property held there, and `check` is a function
   * of the words it reads.
   */
  reads?: readonly number[];
}

export interface Model {
  /** the initial states */
  init(): State[];
  /** appends the actions enabled in `s` (small non-negative integers) to `out` */
  actions(s: State, out: number[]): void;
  /**
   * the state reached from `s` by action `a` (a fresh array; `s` is not modified),
   * or null when `a` is not enabled in `s`
   */
  next(s: State, a: number): State | null;
  /** the properties to check, all of them in one exploration */
  properties: Property[];
  /** human-readable name of action `a` taken in state `s` (for traces) */
  describeAction?(s: State, a: number): string;
  /**
   * Labels (e.g. printk/WARN_ON diagnostics) emitted by the last call of `next`.
   * The explorer records which labels are reachable and the shortest path to each.
   */
  lastLabels?(): readonly string[];
  /**
   * Optional, for non-progress cycle detection (`explore(..., { storeEdges: true })`):
   * true when `s` is a progress state (SPIN's `progress` label). A cycle of reachable
   * states none of which is a progress state is reported as a non-progress cycle.
   */
  isProgress?(s: State): boolean;
  /**
   * When true, the model keeps no reference to states it is given or returns: `next` may
   * return a view of a buffer it reuses on its next call, and the explorer may pass it
   * views of its own frontier. The explorer then copies what it keeps, and nothing else.
   */
  readonly transientStates?: boolean;
}

/**
 * The incremental fast path, for a model that can do better than `next` + a full hash
 * (the engine: src/engine/model.ts). Explorers use it when the model has it
 * (`isIncremental`) and fall back to `next` otherwise.
 *
 * The fingerprint of a state is the model's own 64-bit hash (two int32 lanes, never
 * both 0), a function of the state alone, which the model updates from the few words an
 * action changes instead of hashing the whole successor.
 */
export interface IncrementalModel extends Model {
  /** the fingerprint of any state (initial states, tests) into out[0], out[1] */
  fingerprint(s: State, out: Int32Array): void;
  /**
   * runs action `a` from `s`, whose fingerprint is (lo, hi), and writes the successor's
   * fingerprint into out[0], out[1]; false when `a` is not enabled. It equals
   * `fingerprint(next(s, a))`, but the successor is not packed: most successors are states
   * already seen. `lastLabels` after `step` gives the labels that step emitted.
   */
  step(s: State, lo: number, hi: number, a: number, out: Int32Array): boolean;
  /** the successor of the last `step`, packed (a view of a reused buffer when `transientStates`) */
  packStep(): State;
}

/** a fast-path model that packs straight into the explorer's memory (one copy of each new state fewer) */
export interface DirectPackModel extends IncrementalModel {
  /** the length of the successor of the last `step`, packed */
  packedLength(): number;
  /** packs that successor into `out` (exactly `packedLength()` long) and returns `out`, as `packStep` would return its copy */
  packStepInto(out: Int32Array): State;
}

export function isIncremental(m: Model): m is IncrementalModel {
  const x = m as Partial<IncrementalModel>;
  return typeof x.fingerprint === 'function' && typeof x.step === 'function' && typeof x.packStep === 'function';
}

export function isDirectPack(m: Model): m is DirectPackModel {
  const x = m as Partial<DirectPackModel>;
  return isIncremental(m) && typeof x.packedLength === 'function' && typeof x.packStepInto === 'function';
}

