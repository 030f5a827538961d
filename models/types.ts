/**
 * Small shared types of the xstate models (models/*.ts).
 */

/** a predicate on a model state (a machine snapshot, or a view of one) */
export interface Invariant<S> {
  /** stable name, e.g. `completed-off-run-list` */
  name: string;
  /** one line: what must hold and why (the kernel reason) */
  description: string;
  holds(s: S): boolean;
}
