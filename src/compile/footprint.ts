/**
 * A step's static footprint: what shared state the statements of one atomic step may
 * touch, read off the source (a conservative superset at the level of names):
 *  - `calls`: the primitives and helpers the step calls (list_add, set_bit, wake_up_process, ...);
 *  - `fields`: the struct fields it writes (`iocb.ki_users--` -> ki_users).
 * The engine's write log checks it at run time (test/footprint.test.ts): every word a
 * step writes belongs to a field named here or to a primitive the step calls.
 */
import type * as B from '@babel/types';

export interface Footprint {
  calls: string[];
  fields: string[];
}

const FN_TYPES = new Set(['FunctionExpression', 'ArrowFunctionExpression', 'FunctionDeclaration']);

function walk(n: B.Node, f: (n: B.Node) => void): void {
  f(n);
  for (const key of Object.keys(n)) {
    if (key === 'loc' || key.endsWith('Comments') || key === 'extra') continue;
    const v = (n as unknown as Record<string, unknown>)[key];
    if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && typeof (x as B.Node).type === 'string') walk(x as B.Node, f);
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as B.Node).type === 'string') walk(v as B.Node, f);
  }
}

function calleeName(c: B.Expression | B.V8IntrinsicIdentifier): string | null {
  if (c.type === 'Identifier') return c.name;
  if (c.type === 'MemberExpression' && !c.computed && c.property.type === 'Identifier') {
    const o = c.object;
    return o.type === 'Identifier' && o.name === 'k' ? `k.${c.property.name}` : null;
  }
  return null;
}

export function stepFootprint(nodes: readonly B.Node[], _src: string): Footprint {
  const calls = new Set<string>();
  const fields = new Set<string>();
  for (const root of nodes)
    walk(root, (n) => {
      if (n.type === 'CallExpression') {
        const c = calleeName(n.callee);
        if (c) calls.add(c);
      } else if (n.type === 'YieldExpression' && n.argument && n.argument.type === 'CallExpression') {
        const c = calleeName(n.argument.callee);
        if (c) calls.add(c);
      } else if (n.type === 'AssignmentExpression' || n.type === 'UpdateExpression') {
        const t = n.type === 'AssignmentExpression' ? n.left : n.argument;
        if (t.type === 'MemberExpression' && !t.computed && t.property.type === 'Identifier') fields.add(t.property.name);
      }
      void FN_TYPES;
    });
  return { calls: [...calls].sort(), fields: [...fields].sort() };
}
