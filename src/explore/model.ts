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

  /**
   * Optional incremental fast path (a model provides all three or none; explorers use it
   * when present and fall back to `next` + hash.ts's `fingerprint` otherwise).
   *
   * The fingerprint of a state is then the model's own 64-bit hash (two int32 lanes,
   * never both 0), a function of the state alone, which the model can update from the
   * few words an action changes instead of hashing the whole successor:
   *  - `fingerprint(s, out)`: the fingerprint of any state (initial states, tests);
   *  - `step(s, lo, hi, a, out)`: runs action `a` from `s`, whose fingerprint is
   *    (lo, hi), and writes the successor's fingerprint into `out[0]`, `out[1]`; false
   *    when `a` is not enabled. It equals `fingerprint(next(s, a))`, but the successor is
   *    not packed: most successors are states already seen, and are never needed;
   *  - `packStep()`: the successor of the last `step`, packed (a view of a reused buffer
   *    when `transientStates`), for the successors the explorer keeps.
   * `lastLabels` after `step` gives the labels that step emitted, as after `next`.
   *
   * A model of the fast path may also pack straight into the explorer's memory (both or
   * neither; the explorer then skips one copy of every new state):
   *  - `packedLength()`: the length of the successor of the last `step`, packed;
   *  - `packStepInto(out)`: packs that successor into `out` (exactly that long) and
   *    returns `out`, as `packStep` would return its copy.
   */
  fingerprint?(s: State, out: Int32Array): void;
  step?(s: State, lo: number, hi: number, a: number, out: Int32Array): boolean;
  packStep?(): State;
  packedLength?(): number;
  packStepInto?(out: Int32Array): State;
}
