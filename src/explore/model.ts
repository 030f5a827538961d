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
