/**
 * A variant named on the command line or in a claim: a variant name, optionally
 * followed by changes turned on or off, e.g. `mar14-aioWq` or `2.5.62+fixes+initRunList`.
 */
import { CHANGE_NAMES, VARIANTS, variantByName, withChange, type ChangeName, type Variant } from '../engine/variants.ts';

export function resolveVariant(spec: string): Variant | undefined {
  const direct = variantByName(spec);
  if (direct) return direct;
  const names = Object.keys(VARIANTS).sort((a, b) => b.length - a.length);
  const base = names.find((n) => spec.startsWith(n));
  if (!base) return undefined;
  let v = VARIANTS[base];
  const rest = spec.slice(base.length);
  const re = /([+-])([A-Za-z0-9]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(rest))) {
    if (!(CHANGE_NAMES as readonly string[]).includes(m[2])) return undefined;
    v = withChange(v, m[2] as ChangeName, m[1] === '+');
    pos = re.lastIndex;
  }
  if (pos !== rest.length) return undefined;
  return { ...v, name: spec };
}
