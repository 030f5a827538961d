/**
 * Stable, human-readable keys for model states, shared by conformance.ts (reports),
 * index.ts (enumerate / coverage) and the tests.
 *
 * A key is the state value, written in the machine's own definition order, followed by
 * the context fields in sorted order:
 *
 *   live{retry:waiting,kiWait:queued,kicked:clear,runList:off} users=1
 *   {page:io_reading,waiter:idle} entry=queued
 *
 * Every context field of the models in this directory is finite and relevant (that is
 * a rule of the models), so "value + whole context" is exactly the model state.
 */
import type { AnyMachineSnapshot, AnyStateMachine, StateNode, StateValue } from 'xstate';

/** the state value written in definition order: `a`, `a.b`, `live{r1:x,r2:y}` */
export function formatValue(node: StateNode, value: StateValue): string {
  if (typeof value === 'string') return value;
  if (node.type === 'parallel') {
    const parts: string[] = [];
    for (const [k, child] of Object.entries(node.states)) {
      const v = value[k];
      if (v === undefined) continue;
      parts.push(`${k}:${formatValue(child, v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  // compound: exactly one active child
  const parts: string[] = [];
  for (const [k, child] of Object.entries(node.states)) {
    const v = value[k];
    if (v === undefined) continue;
    parts.push(child.type === 'parallel' ? `${k}${formatValue(child, v)}` : `${k}.${formatValue(child, v)}`);
  }
  return parts.join('|');
}

/** the context fields, sorted by name: `a=1 b=x` */
export function formatContext(context: unknown): string {
  if (context === null || typeof context !== 'object') return '';
  return Object.keys(context)
    .sort()
    .map((k) => `${k}=${String((context as Record<string, unknown>)[k])}`)
    .join(' ');
}

/** the stable key of a snapshot: value + context */
export function stateKey(snapshot: AnyMachineSnapshot): string {
  const v = formatValue(snapshot.machine.root, snapshot.value);
  const c = formatContext(snapshot.context);
  return c ? `${v} ${c}` : v;
}

/** every state node of a machine (root excluded), in definition order */
export function allStateNodes(machine: AnyStateMachine): StateNode[] {
  const out: StateNode[] = [];
  const walk = (n: StateNode): void => {
    for (const c of Object.values(n.states)) {
      out.push(c);
      walk(c);
    }
  };
  walk(machine.root);
  return out;
}

/** the short name of a guard as written in the machine (named guards are strings) */
export function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard && typeof (guard as { type: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  if (typeof guard === 'function') return guard.name || 'inline';
  return 'guard';
}
