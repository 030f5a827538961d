/**
 * Patch review: two variants (as resolveVariant names them, e.g. `mar14` and
 * `proposed`, or `mar14` and `mar14-clearBitFix`) explored on the same workloads
 * with the claim bounds, and what the change between them does:
 *  - the verdict matrix of each (workload x invariant);
 *  - the cells it FIXES (violated -> holds/bounded) and BREAKS (not violated ->
 *    violated), each with the shortest counterexample (replayable actions, text
 *    swimlanes, mermaid) from the variant where the cell is violated;
 *  - the printk / WARN_ON / BUG / oops diagnostics reachable in each variant, with
 *    the shortest trace to each;
 *  - optionally an ablation: the base variant with each named change toggled, one at
 *    a time, and which change is responsible for which verdict.
 * Everything returned is plain JSON data (`ReviewReport`), self-describing enough for
 * an HTML page (src/review/html.ts, written separately) to render without this code.
 */
import { runCheck, type CheckRun } from '../check/run.ts';
import { INVARIANTS, INVARIANT_DOC, type InvariantName } from '../check/invariants.ts';
import { ClaimFileError, loadClaims, type Verdict } from '../check/claims.ts';
import { resolveVariant } from '../check/variantSpec.ts';
import { DEFAULT_CLAIMS_PATH } from '../check/paths.ts';
import { CHANGE_DOCS, CHANGE_NAMES, VARIANTS, type ChangeName, type Variant } from '../engine/variants.ts';
import { WORKLOADS, workloadByName } from '../engine/workloads.ts';
import type { Workload } from '../engine/workload.ts';
import { buildTrace } from '../trace/trace.ts';
import { EngineModel } from '../engine/model.ts';
import { invariants } from '../check/invariants.ts';
import { runSchedule, uniformChooser, type Chooser } from '../sim/run.ts';
import { formatMermaid, formatText } from '../trace/format.ts';

// ------------------------------------------------------------------ report types (JSON)
export const REVIEW_FORMAT = 'aio-retry-check-review';
export const REVIEW_VERSION = 1;

export interface Bounds {
  maxStates: number;
  maxSeconds: number;
}

export interface VariantInfo {
  /** the name as given (a variant, optionally with +change / -change) */
  spec: string;
  description: string;
  core: string;
  /** the named changes turned on */
  changes: ChangeName[];
}

export interface ChangeInfo {
  name: ChangeName;
  source: string;
  summary: string;
  /** for a proposed fix: which counterexample it removes */
  removes?: string;
  inFrom: boolean;
  inTo: boolean;
}

export interface TraceInfo {
  variant: string;
  workload: string;
  /** the violated invariant (absent for a diagnostic's trace) */
  invariant?: InvariantName;
  reason?: string;
  /** the scheduler actions from the initial state: replayable (npm run replay, trace files) */
  actions: number[];
  steps: number;
  /** text swimlanes (src/trace/format.ts formatText, folded) */
  text: string;
  /** a mermaid sequenceDiagram */
  mermaid: string;
  /** the command that prints it again (violations only: a diagnostic's trace is only in the report) */
  command?: string;
}

export interface VerdictCell {
  verdict: Verdict;
  /** holds only vacuously (InvariantResult.vacuous: every run panics before quiescence) */
  vacuous?: true;
  /** for a violation: the invariant's one-line reason and the path's length (the shortest, when found by exploration) */
  reason?: string;
  depth?: number;
  /**
   * absent: found by the exhaustive (breadth-first) exploration, so the path is a shortest one.
   * 'schedule <name>': the exploration stopped at its bound without a violation, and a directed
   * schedule (SCHEDULES) found one deeper: real and replayable, not necessarily the shortest.
   */
  foundBy?: string;
}

export interface RunInfo {
  states: number;
  transitions: number;
  depth: number;
  complete: boolean;
  limitHit?: string;
  seconds: number;
  bounds: Bounds;
}

export interface MatrixRow {
  workload: string;
  run: RunInfo;
  cells: Record<InvariantName, VerdictCell>;
}

export interface VariantMatrix {
  variant: string;
  rows: MatrixRow[];
}

export interface CellChange {
  workload: string;
  invariant: InvariantName;
  /** fixed: violated -> holds; broken: not violated -> violated; changed: any other difference (violated -> bounded, or a vacuous holds on one side) */
  kind: 'fixed' | 'broken' | 'changed';
  from: VerdictCell;
  to: VerdictCell;
  /** the counterexample in the variant where the cell is violated (from for fixed, to for broken) */
  trace?: TraceInfo;
}

export interface DiagnosticInfo {
  label: string;
  kind: 'printk' | 'WARN_ON' | 'BUG' | 'oops' | 'lock' | 'engine' | 'other';
  /** workloads where it is reachable, with the shortest path's length there */
  workloads: { workload: string; depth: number }[];
  /** the shortest occurrence over all workloads */
  shortest: { workload: string; depth: number; trace?: TraceInfo };
}

export interface DiagnosticsDiff {
  from: DiagnosticInfo[];
  to: DiagnosticInfo[];
  /** labels reachable only in from / only in to / in both */
  onlyFrom: string[];
  onlyTo: string[];
  both: string[];
}

export interface AblationRow {
  change: ChangeName;
  /** 'off': the base has it and this row turns it off; 'on': the reverse */
  toggled: 'off' | 'on';
  /** the variant explored (a resolveVariant name, e.g. proposed-eiocbRetry) */
  variant: string;
  matrix: VariantMatrix;
  /**
   * cells whose verdict differs from the base: 'broken' means toggling the change
   * brings a violation back (the change is responsible for that cell holding);
   * 'fixed' means toggling it removes a violation of the base.
   */
  differences: CellChange[];
}

export interface AblationReport {
  base: string;
  changes: ChangeName[];
  workloads: string[];
  baseMatrix: VariantMatrix;
  rows: AblationRow[];
  /** per cell whose violation some toggle brings or removes: which changes, and the verdict they give */
  responsibility: { workload: string; invariant: InvariantName; base: Verdict; changes: { change: ChangeName; toggled: 'off' | 'on'; verdict: Verdict }[] }[];
}

export interface ReviewReport {
  format: typeof REVIEW_FORMAT;
  version: typeof REVIEW_VERSION;
  from: VariantInfo;
  to: VariantInfo;
  /** every named change, with its source and whether each variant has it */
  changes: ChangeInfo[];
  /** the changes that differ between from and to */
  diff: { turnedOn: ChangeName[]; turnedOff: ChangeName[]; coreChanged: boolean };
  workloads: { name: string; description: string }[];
  invariants: { name: InvariantName; doc: string }[];
  matrices: { from: VariantMatrix; to: VariantMatrix };
  fixed: CellChange[];
  broken: CellChange[];
  /** other verdict differences (bounded <-> holds): a bound, not a behaviour */
  changed: CellChange[];
  diagnostics: DiagnosticsDiff;
  ablation?: AblationReport;
  /** seconds spent exploring */
  seconds: number;
}

// ------------------------------------------------------------------ options
export class ReviewInputError extends Error {}

export interface ReviewOptions {
  /** workload names (default: every workload) */
  workloads?: string[];
  /** override the claim bounds for every run */
  bounds?: Partial<Bounds>;
  /** claim file for the bounds (default proofs/claims.json) */
  claimsPath?: string;
  /** build traces (default true) */
  traces?: boolean;
  /** run an ablation of `to`: true = the changes that differ from `from` (or all of to's when none differ), or a list */
  ablation?: boolean | ChangeName[];
  /** one line per exploration (for a CLI's stderr) */
  onProgress?: (line: string) => void;
}

export const DEFAULT_BOUNDS: Bounds = { maxStates: 250_000, maxSeconds: 90 };

// ------------------------------------------------------------------ directed schedules
/**
 * Schedules tried on a (variant, workload) whose exploration hit its bound: some
 * counterexamples are deeper than any affordable breadth-first bound (a read that
 * fails nine times before the retry cap). Each runs to the end (or 20000 steps) and
 * is checked like the exploration: 'always' invariants on every state, 'at-quiescence'
 * ones on the final state.
 */
export const SCHEDULES: { name: string; doc: string; chooser: (nThreads: number) => Chooser }[] = [
  { name: 'slow-devices', doc: 'interrupts only when no thread can run (every I/O completes as late as possible)', chooser: (n) => (en) => Math.max(0, en.findIndex((a) => a < n)) },
  { name: 'fast-devices', doc: 'interrupts first (every I/O completes as early as possible)', chooser: (n) => (en) => Math.max(0, en.findIndex((a) => a >= n)) },
  { name: 'random-1', doc: 'uniformly random choices, seed 1', chooser: () => uniformChooser(1) },
  { name: 'random-2', doc: 'uniformly random choices, seed 2', chooser: () => uniformChooser(2) },
  { name: 'random-3', doc: 'uniformly random choices, seed 3', chooser: () => uniformChooser(3) },
];

/** the first violation of each invariant over the SCHEDULES: invariant -> { schedule, reason, path } */
function scheduleViolations(v: Variant, w: Workload): Map<InvariantName, { schedule: string; reason: string; path: number[] }> {
  const found = new Map<InvariantName, { schedule: string; reason: string; path: number[] }>();
  const model = new EngineModel(v, w, invariants);
  for (const sch of SCHEDULES) {
    const r = runSchedule(model, sch.chooser(model.k.nThreads), 20_000, true);
    const terminal = r.outcome === 'terminated';
    for (const p of model.properties) {
      const inv = p.name as InvariantName;
      if (found.has(inv)) continue;
      if (p.kind === 'at-quiescence') {
        const why = terminal ? p.check(r.final) : null;
        if (why) found.set(inv, { schedule: sch.name, reason: why, path: [...r.actions] });
        continue;
      }
      for (let i = 1; i < r.states.length; i++) {
        const why = p.check(r.states[i]);
        if (why) {
          found.set(inv, { schedule: sch.name, reason: why, path: r.actions.slice(0, i) });
          break;
        }
      }
    }
  }
  return found;
}

// ------------------------------------------------------------------ helpers
function variantOf(spec: string): Variant {
  const v = resolveVariant(spec);
  if (!v) throw new ReviewInputError(`unknown variant "${spec}" (a variant: ${Object.keys(VARIANTS).join(', ')}; optionally followed by +change / -change)`);
  return v;
}

function workloadsOf(names: string[] | undefined): Workload[] {
  if (!names || names.length === 0) return Object.values(WORKLOADS);
  return names.map((n) => {
    const w = workloadByName(n);
    if (!w) throw new ReviewInputError(`unknown workload "${n}" (one of: ${Object.keys(WORKLOADS).join(', ')})`);
    return w;
  });
}

function changesOn(v: Variant): ChangeName[] {
  return CHANGE_NAMES.filter((c) => v[c]);
}

function variantInfo(spec: string, v: Variant): VariantInfo {
  return { spec, description: v.description, core: v.core, changes: changesOn(v) };
}

/** the bounds of the claim for (variant, workload), else of the variant the spec starts with, else the defaults */
function claimBounds(claimsPath: string): (spec: string, workload: string) => Bounds {
  let claims: { variant: string; workload: string; bounds: Bounds }[] = [];
  try {
    claims = loadClaims(claimsPath);
  } catch (e) {
    if (!(e instanceof ClaimFileError)) throw e; // no (valid) claim file: the defaults
  }
  const bases = Object.keys(VARIANTS).sort((a, b) => b.length - a.length);
  return (spec, workload) => {
    const exact = claims.find((c) => c.variant === spec && c.workload === workload);
    if (exact) return { maxStates: exact.bounds.maxStates, maxSeconds: exact.bounds.maxSeconds };
    const base = bases.find((b) => spec.startsWith(b));
    const byBase = base ? claims.find((c) => c.variant === base && c.workload === workload) : undefined;
    if (byBase) return { maxStates: byBase.bounds.maxStates, maxSeconds: byBase.bounds.maxSeconds };
    return { ...DEFAULT_BOUNDS };
  };
}

export function diagnosticKind(label: string): DiagnosticInfo['kind'] {
  if (label.startsWith('printk:')) return 'printk';
  if (label.startsWith('WARN_ON')) return 'WARN_ON';
  if (label.startsWith('BUG')) return 'BUG';
  if (label.startsWith('oops') || label.startsWith('use after free') || label.startsWith('access to')) return 'oops';
  if (label.startsWith('lock discipline')) return 'lock';
  if (label.startsWith('engine error')) return 'engine';
  return 'other';
}

function traceCommand(spec: string, workload: string, invariant: InvariantName): string {
  const q = /^[A-Za-z0-9.+_-]+$/.test(spec) ? spec : `'${spec}'`;
  return `npm run trace -- --variant ${q} --workload ${workload} --invariant ${invariant}`;
}

/** the trace of `actions` on (spec, workload), in every format the report carries */
export function traceInfo(spec: string, w: Workload, actions: readonly number[], invariant?: InvariantName, reason?: string): TraceInfo {
  const v = variantOf(spec);
  const t = buildTrace({ ...v, name: spec }, w, actions, invariant);
  return {
    variant: spec,
    workload: w.name,
    ...(invariant ? { invariant } : {}),
    ...((t.reason ?? reason) ? { reason: t.reason ?? reason } : {}),
    actions: [...actions],
    steps: t.steps.length,
    text: formatText(t, { fold: true }),
    mermaid: formatMermaid(t),
    ...(invariant ? { command: traceCommand(spec, w.name, invariant) } : {}),
  };
}

// ------------------------------------------------------------------ exploring (cached per review)
interface Explorer {
  run(spec: string, w: Workload): CheckRun;
  /** for a run that hit its bound: violations the directed schedules find */
  probe(spec: string, w: Workload): Map<InvariantName, { schedule: string; reason: string; path: number[] }>;
  bounds(spec: string, w: Workload): Bounds;
  seconds: number;
}

function explorer(opts: ReviewOptions): Explorer {
  const cb = claimBounds(opts.claimsPath ?? DEFAULT_CLAIMS_PATH);
  const cache = new Map<string, CheckRun>();
  const probes = new Map<string, ReturnType<Explorer['probe']>>();
  const ex: Explorer = {
    probe(spec, w) {
      const key = `${spec}\u0000${w.name}`;
      let p = probes.get(key);
      if (!p) {
        p = scheduleViolations({ ...variantOf(spec), name: spec }, w);
        probes.set(key, p);
      }
      return p;
    },
    seconds: 0,
    bounds(spec, w) {
      return { ...cb(spec, w.name), ...(opts.bounds ?? {}) };
    },
    run(spec, w) {
      const b = ex.bounds(spec, w);
      const key = `${spec}\u0000${w.name}\u0000${b.maxStates}\u0000${b.maxSeconds}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const v = { ...variantOf(spec), name: spec };
      const r = runCheck(v, w, b);
      ex.seconds += r.result.seconds;
      cache.set(key, r);
      opts.onProgress?.(`${spec} / ${w.name}: ${r.result.states} states, ${r.result.complete ? 'complete' : `bounded (${r.result.limitHit})`}, ${r.result.seconds.toFixed(1)}s`);
      return r;
    },
  };
  return ex;
}

interface Side {
  spec: string;
  matrix: VariantMatrix;
  runs: Map<string, CheckRun>;
  /** workload \0 invariant -> the path of a violation found by a directed schedule */
  scheduled: Map<string, number[]>;
}

function matrixOf(ex: Explorer, spec: string, ws: Workload[]): Omit<Side, 'spec'> {
  const runs = new Map<string, CheckRun>();
  const scheduled = new Map<string, number[]>();
  const rows: MatrixRow[] = ws.map((w) => {
    const r = ex.run(spec, w);
    runs.set(w.name, r);
    const cells = {} as Record<InvariantName, VerdictCell>;
    for (const i of r.invariants) cells[i.invariant] = { verdict: i.verdict, ...(i.vacuous ? { vacuous: true as const } : {}), ...(i.reason !== undefined ? { reason: i.reason } : {}), ...(i.depth !== undefined ? { depth: i.depth } : {}) };
    const res = r.result;
    if (!res.complete) {
      // the bound stopped the exploration: try the directed schedules for deeper violations
      for (const [inv, f] of ex.probe(spec, w)) {
        if (cells[inv].verdict !== 'bounded') continue;
        cells[inv] = { verdict: 'violated', reason: f.reason, depth: f.path.length, foundBy: `schedule ${f.schedule}` };
        scheduled.set(`${w.name}\u0000${inv}`, f.path);
      }
    }
    return {
      workload: w.name,
      run: { states: res.states, transitions: res.transitions, depth: res.depth, complete: res.complete, ...(res.limitHit ? { limitHit: res.limitHit } : {}), seconds: res.seconds, bounds: ex.bounds(spec, w) },
      cells,
    };
  });
  return { matrix: { variant: spec, rows }, runs, scheduled };
}

/** the cells whose verdict differs between two matrices over the same workloads, with the counterexample where violated */
function compare(a: Side, b: Side, traces: boolean): CellChange[] {
  const out: CellChange[] = [];
  for (const ra of a.matrix.rows) {
    const rb = b.matrix.rows.find((r) => r.workload === ra.workload);
    if (!rb) continue;
    const w = WORKLOADS[ra.workload];
    for (const inv of INVARIANTS) {
      const ca = ra.cells[inv];
      const cbb = rb.cells[inv];
      if (ca.verdict === cbb.verdict) continue;
      // a violation is fixed only where the other side was explored completely (holds); violated -> bounded is no fix,
      // and neither is a vacuous holds (every run of that side oopses before it could tell): those are 'changed'
      const kind: CellChange['kind'] =
        ca.verdict === 'violated' && cbb.verdict === 'holds' && !cbb.vacuous ? 'fixed' : cbb.verdict === 'violated' && !ca.vacuous ? 'broken' : 'changed';
      const change: CellChange = { workload: ra.workload, invariant: inv, kind, from: ca, to: cbb };
      if (traces && kind !== 'changed') {
        const side = kind === 'fixed' ? a : b;
        const viaSchedule = side.scheduled.get(`${ra.workload}\u0000${inv}`);
        const path = viaSchedule ?? side.runs.get(ra.workload)?.invariants.find((i) => i.invariant === inv)?.path;
        if (path) {
          change.trace = traceInfo(side.spec, w, path, inv, (kind === 'fixed' ? ca : cbb).reason);
          // npm run trace explores breadth-first: it cannot reach a schedule's deeper counterexample
          if (viaSchedule) delete change.trace.command;
        }
      }
      out.push(change);
    }
  }
  return out;
}

function diagnosticsOf(spec: string, runs: Map<string, CheckRun>, traces: boolean): DiagnosticInfo[] {
  const by = new Map<string, { workloads: { workload: string; depth: number }[]; best: { workload: string; depth: number; path: number[] } }>();
  for (const [wn, r] of runs) {
    for (const [label, hit] of r.result.labels) {
      const e = by.get(label);
      const occ = { workload: wn, depth: hit.depth };
      if (!e) by.set(label, { workloads: [occ], best: { ...occ, path: hit.path } });
      else {
        e.workloads.push(occ);
        if (hit.depth < e.best.depth) e.best = { ...occ, path: hit.path };
      }
    }
  }
  return [...by.entries()]
    .map(([label, e]) => ({
      label,
      kind: diagnosticKind(label),
      workloads: e.workloads.sort((x, y) => x.depth - y.depth || x.workload.localeCompare(y.workload)),
      shortest: { workload: e.best.workload, depth: e.best.depth, ...(traces ? { trace: traceInfo(spec, WORKLOADS[e.best.workload], e.best.path) } : {}) },
    }))
    .sort((x, y) => x.shortest.depth - y.shortest.depth || x.label.localeCompare(y.label));
}

// ------------------------------------------------------------------ ablation
function ablationWith(ex: Explorer, base: string, changes: readonly ChangeName[], ws: Workload[], traces: boolean): AblationReport {
  const bv = variantOf(base);
  for (const c of changes) if (!(CHANGE_NAMES as readonly string[]).includes(c)) throw new ReviewInputError(`unknown change "${c}" (one of: ${CHANGE_NAMES.join(', ')})`);
  const baseSide = { spec: base, ...matrixOf(ex, base, ws) };
  const rows: AblationRow[] = changes.map((c) => {
    const toggled = bv[c] ? 'off' : 'on';
    const spec = `${base}${toggled === 'off' ? '-' : '+'}${c}`;
    if (!resolveVariant(spec)) throw new ReviewInputError(`cannot name the variant ${spec}`);
    const side = { spec, ...matrixOf(ex, spec, ws) };
    return { change: c, toggled, variant: spec, matrix: side.matrix, differences: compare(baseSide, side, traces) };
  });
  const resp = new Map<string, AblationReport['responsibility'][number]>();
  for (const row of rows)
    for (const d of row.differences) {
      if (d.kind === 'changed') continue; // holds <-> bounded: the bound, not the change
      const key = `${d.workload}\u0000${d.invariant}`;
      const e = resp.get(key) ?? { workload: d.workload, invariant: d.invariant, base: d.from.verdict, changes: [] };
      e.changes.push({ change: row.change, toggled: row.toggled, verdict: d.to.verdict });
      resp.set(key, e);
    }
  const order = (wn: string) => ws.findIndex((w) => w.name === wn);
  return {
    base,
    changes: [...changes],
    workloads: ws.map((w) => w.name),
    baseMatrix: baseSide.matrix,
    rows,
    responsibility: [...resp.values()].sort((x, y) => order(x.workload) - order(y.workload) || INVARIANTS.indexOf(x.invariant) - INVARIANTS.indexOf(y.invariant)),
  };
}

/**
 * ablation(base, changes, workloads): the base variant's matrix, and for each named
 * change the matrix of the base with that change toggled (off if the base has it, on
 * if not), with the cells that differ and which change is responsible for which verdict.
 */
export function ablation(base: string, changes: readonly ChangeName[], workloads?: string[], opts: Omit<ReviewOptions, 'workloads' | 'ablation'> = {}): AblationReport {
  return ablationWith(explorer(opts), base, changes, workloadsOf(workloads), opts.traces ?? true);
}

// ------------------------------------------------------------------ the review
export function buildReview(fromSpec: string, toSpec: string, opts: ReviewOptions = {}): ReviewReport {
  const fv = variantOf(fromSpec);
  const tv = variantOf(toSpec);
  const ws = workloadsOf(opts.workloads);
  const traces = opts.traces ?? true;
  const ex = explorer(opts);
  const a = { spec: fromSpec, ...matrixOf(ex, fromSpec, ws) };
  const b = { spec: toSpec, ...matrixOf(ex, toSpec, ws) };
  const cells = compare(a, b, traces);
  const turnedOn = CHANGE_NAMES.filter((c) => tv[c] && !fv[c]);
  const turnedOff = CHANGE_NAMES.filter((c) => !tv[c] && fv[c]);
  const df = diagnosticsOf(fromSpec, a.runs, traces);
  const dt = diagnosticsOf(toSpec, b.runs, traces);
  const lf = new Set(df.map((d) => d.label));
  const lt = new Set(dt.map((d) => d.label));
  let abl: AblationReport | undefined;
  if (opts.ablation) {
    const diffs = [...turnedOn, ...turnedOff];
    const changes = Array.isArray(opts.ablation) ? opts.ablation : diffs.length ? diffs : changesOn(tv);
    abl = ablationWith(ex, toSpec, changes, ws, traces);
  }
  return {
    format: REVIEW_FORMAT,
    version: REVIEW_VERSION,
    from: variantInfo(fromSpec, fv),
    to: variantInfo(toSpec, tv),
    changes: CHANGE_NAMES.map((c) => ({ name: c, ...CHANGE_DOCS[c], inFrom: fv[c], inTo: tv[c] })),
    diff: { turnedOn, turnedOff, coreChanged: fv.core !== tv.core },
    workloads: ws.map((w) => ({ name: w.name, description: w.description })),
    invariants: INVARIANTS.map((i) => ({ name: i, doc: INVARIANT_DOC[i] })),
    matrices: { from: a.matrix, to: b.matrix },
    fixed: cells.filter((c) => c.kind === 'fixed'),
    broken: cells.filter((c) => c.kind === 'broken'),
    changed: cells.filter((c) => c.kind === 'changed'),
    diagnostics: { from: df, to: dt, onlyFrom: [...lf].filter((l) => !lt.has(l)), onlyTo: [...lt].filter((l) => !lf.has(l)), both: [...lf].filter((l) => lt.has(l)) },
    ...(abl ? { ablation: abl } : {}),
    seconds: ex.seconds,
  };
}
