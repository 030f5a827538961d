/**
 * One self-contained HTML page for a patch review (no network): the verdict matrix of
 * both variants, the xstate machines drawn as state diagrams, each trace as a sequence
 * diagram, and a stepper that walks a trace with the state shown at each step.
 * Mermaid's own bundle is inlined so the diagrams render offline.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Trace } from '../trace/trace.ts';
import { formatMermaid } from '../trace/format.ts';

/** 'vacuous': holds, but its at-quiescence part only vacuously (every run panics before quiescence) */
export type CellVerdict = 'holds' | 'vacuous' | 'violated' | 'bounded' | '-';

export interface PageTrace {
  /** a short title, e.g. "mar14 / cached-read: memory-safety" */
  title: string;
  /** fixed | broken | diagnostic | counterexample */
  kind: string;
  trace: Trace;
}

export interface PageData {
  title: string;
  subtitle?: string;
  /** the variants, one matrix each; with `compare`, cells that differ between the first two are framed */
  variants: { name: string; description: string }[];
  compare?: boolean;
  workloads: string[];
  invariants: string[];
  /** matrix[variant][workload][invariant] */
  matrix: Record<string, Record<string, Record<string, CellVerdict>>>;
  /** the changes between the two variants, with descriptions */
  changes?: { name: string; description: string; on: boolean }[];
  /** lists of findings (what a change fixes and breaks; the violations of a check), each item linking to its trace */
  sections: { title: string; items: { text: string; detail?: string; trace?: number }[] }[];
  traces: PageTrace[];
  machines: { name: string; description: string; mermaid: string }[];
  /** optional extra tables (ablation, diagnostics): a title and rows */
  tables?: { title: string; header: string[]; rows: string[][] }[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function mermaidBundle(): string {
  const require = createRequire(import.meta.url);
  const path = require.resolve('mermaid/dist/mermaid.min.js');
  return readFileSync(path, 'utf8').replace(/<\/script/gi, '<\\/script');
}

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #ccc; padding: 2px 6px; font-size: 12px; }
th.rot { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
td.holds { background: #d9f2d9; } td.vacuous { background: #eef7e0; } td.violated { background: #f7c6c6; font-weight: bold; } td.bounded { background: #eee; }
td.changed { outline: 3px solid #3366cc; outline-offset: -3px; }
.cell { text-align: center; }
.tabs button { margin: 2px; } .tabs button.active { background: #3366cc; color: white; }
#stepper { display: block; }
#seqbox { overflow: auto; max-height: 48em; border: 1px solid #ddd; margin-top: 1em; }
#seqbox svg { max-width: none !important; }
#seqbox svg .messageText.current { fill: #c00 !important; font-weight: bold; }
#stepinfo { font-family: monospace; white-space: pre-wrap; background: #f6f6f6; padding: .5em; min-height: 6em; }
#statebox { font-family: monospace; white-space: pre; background: #fbfbf2; padding: .5em; overflow: auto; max-height: 28em; }
.mermaid { background: white; } .small { color: #666; font-size: 12px; }
`;

const SCRIPT = `
const data = JSON.parse(document.getElementById('review-data').textContent);
let cur = 0, step = 0;
function fmtState(s) {
  const out = [];
  out.push('ctx: users=' + s.ctx.users + ' reqs_active=' + s.ctx.reqs_active + ' run_list=[' + s.ctx.run_list.join(', ') + ']');
  for (const k of s.kiocbs) if (k.state !== 'unallocated') out.push('kiocb' + k.slot + ': ' + (k.state === 'freed' ? 'freed' : 'ki_users=' + k.ki_users + ' ki_flags=' + k.ki_flags + ' ki_run_list=' + k.ki_run_list + (k.on_run_list ? ' (on run_list)' : '') + (k.ki_wait_queued ? ' ki_wait queued' : '')));
  for (const io of s.iocbs) out.push('iocb' + io.slot + ': completions=' + io.completions + (io.res !== null ? ' res=' + io.res : ''));
  for (const p of s.pages) out.push('page' + p.index + ': ' + p.flags + (p.in_cache ? '' : ' (not cached)'));
  for (const b of s.buckets) out.push('bucket' + b.bucket + ': [' + b.waiters.join(', ') + ']');
  for (const t of s.threads) out.push(t.name + ': ' + t.status + (t.taskState ? ' ' + t.taskState : '') + (t.stack.length ? '  ' + t.stack.join(' > ') : ''));
  return out.join('\\n');
}
function showStep() {
  const t = data.traces[cur].trace;
  const s = t.steps[step];
  document.getElementById('stepno').textContent = (step + 1) + ' / ' + t.steps.length;
  document.getElementById('stepinfo').textContent = s
    ? 'step ' + s.n + ' on ' + s.context + ' (cpu' + s.cpu + ')\\n' + s.functions.map(f => '  ' + f.fn + (f.origin !== '2.5.62' ? '   [' + f.origin + ']' : '')).join('\\n') +
      (s.labels.length ? '\\n!! ' + s.labels.join('\\n!! ') : '') + (s.changes.length ? '\\nchanged: ' + s.changes.join('; ') : '') +
      (step === t.steps.length - 1 && t.invariant ? '\\n==> ' + t.invariant + ' VIOLATED: ' + (t.reason || '') : '')
    : '';
  document.getElementById('statebox').textContent = s ? fmtState(s.state) : '';
  highlight();
  document.getElementById('prev').disabled = step === 0;
  document.getElementById('next').disabled = step >= t.steps.length - 1;
}
// the current step's message in the sequence diagram (one message per step, in order)
function highlight() {
  const texts = document.querySelectorAll('#seqdiagram svg .messageText');
  texts.forEach((t, j) => t.classList.toggle('current', j === step));
  const el = texts[step];
  if (el) el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
}
async function showTrace(i) {
  cur = i; step = 0;
  document.querySelectorAll('#tracetabs button').forEach((b, j) => b.classList.toggle('active', j === i));
  document.getElementById('tracetitle').textContent = data.traces[i].title;
  const box = document.getElementById('seqdiagram');
  box.removeAttribute('data-processed');
  box.textContent = data.traces[i].mermaid;
  showStep();
  try { await mermaid.run({ nodes: [box] }); } catch (e) { box.textContent = 'diagram error: ' + e.message; }
  highlight();
}
document.getElementById('prev').onclick = () => { if (step > 0) { step--; showStep(); } };
document.getElementById('next').onclick = () => { const n = data.traces[cur].trace.steps.length; if (step < n - 1) { step++; showStep(); } };
document.addEventListener('keydown', e => { if (e.key === 'ArrowRight') document.getElementById('next').click(); if (e.key === 'ArrowLeft') document.getElementById('prev').click(); });
document.querySelectorAll('[data-trace]').forEach(a => a.onclick = (e) => { e.preventDefault(); showTrace(Number(a.dataset.trace)); document.getElementById('traces').scrollIntoView(); });
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', sequence: { showSequenceNumbers: false } });
(async () => {
  await mermaid.run({ querySelector: '.machine .mermaid' });
  if (data.traces.length) await showTrace(0);
  document.body.dataset.ready = '1';
})();
`;

export function renderPage(d: PageData, opts: { mermaidJs?: string } = {}): string {
  const v = (variant: string, w: string, inv: string): CellVerdict => d.matrix[variant]?.[w]?.[inv] ?? '-';
  const matrix = (variant: string, other: string | undefined) => {
    const rows = d.workloads.map((w) => {
      const cells = d.invariants.map((inv) => {
        const x = v(variant, w, inv);
        const changed = other !== undefined && x !== v(other, w, inv) ? ' changed' : '';
        const title = x === 'vacuous' ? 'holds, vacuously at quiescence: every run panics first' : x;
        return `<td class="cell ${x}${changed}" title="${esc(`${variant} / ${w} / ${inv}: ${title}`)}">${x === 'violated' ? '✗' : x === 'holds' ? '✓' : x === 'vacuous' ? '✓°' : x === 'bounded' ? '~' : ''}</td>`;
      });
      return `<tr><th>${esc(w)}</th>${cells.join('')}</tr>`;
    });
    return `<table class="matrix" data-variant="${esc(variant)}"><tr><th></th>${d.invariants.map((i) => `<th class="rot">${esc(i)}</th>`).join('')}</tr>${rows.join('')}</table>`;
  };
  const [va, vb] = d.variants;
  const otherOf = (name: string) => (!d.compare || !vb ? undefined : name === va.name ? vb.name : name === vb.name ? va.name : undefined);
  const list = (items: PageData['sections'][number]['items']) =>
    items.length
      ? `<ul>${items.map((x) => `<li>${esc(x.text)}${x.trace !== undefined ? ` — <a href="#" data-trace="${x.trace}">trace</a>` : ''}${x.detail ? `<br><span class="small">${esc(x.detail)}</span>` : ''}</li>`).join('')}</ul>`
      : '<p class="small">none</p>';
  const payload = {
    traces: d.traces.map((t) => ({ title: t.title, kind: t.kind, mermaid: formatMermaid(t.trace), trace: t.trace })),
  };
  const json = JSON.stringify(payload).replace(/</g, '\\u003c');
  // the page runs its own two scripts and nothing else: the policy names them by hash, so
  // markup that got into the page (it should not: every text is escaped) could not run a script
  const scripts = [opts.mermaidJs ?? mermaidBundle(), SCRIPT];
  const hashes = scripts.map((x) => `'sha256-${createHash('sha256').update(x, 'utf8').digest('base64')}'`).join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(d.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ${hashes}; style-src 'unsafe-inline'; img-src data:; font-src data:">
<style>${CSS}</style></head>
<body>
<h1>${esc(d.title)}</h1>
${d.subtitle ? `<p class="small">${esc(d.subtitle)}</p>` : ''}
<p>${d.variants.map((x) => `<b>${esc(x.name)}</b>: ${esc(x.description)}`).join('<br>')}</p>
${d.changes?.length ? `<h2>Changes</h2><ul>${d.changes.map((c) => `<li><code>${esc(c.name)}</code> ${c.on ? 'turned on' : 'turned off'}: ${esc(c.description)}</li>`).join('')}</ul>` : ''}
<h2 id="matrix">Verdict matrix</h2>
<p class="small">✓ holds (complete exploration) · ✓° holds, but at quiescence only vacuously (every run panics before it gets there) · ✗ violated · ~ no violation within the bound${d.compare ? ' · a blue frame marks a verdict that differs between the two variants' : ''}</p>
<div style="display:flex; gap:2em; flex-wrap:wrap">
${d.variants.map((x) => `<div><h3>${esc(x.name)}</h3>${matrix(x.name, otherOf(x.name))}</div>`).join('\n')}
</div>
${d.sections.map((sec) => `<h2>${esc(sec.title)}</h2>${list(sec.items)}`).join('\n')}
${(d.tables ?? []).map((t) => `<h2>${esc(t.title)}</h2><table><tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`).join('\n')}
<h2 id="traces">Traces</h2>
<div class="tabs" id="tracetabs">${d.traces.map((t, i) => `<button data-trace="${i}">${esc(t.title)}</button>`).join('')}</div>
<h3 id="tracetitle"></h3>
<div id="stepper">
<div><button id="prev">◀ prev</button> <span id="stepno"></span> <button id="next">next ▶</button>
<div id="stepinfo"></div><div id="statebox"></div></div>
<div id="seqbox"><pre class="mermaid" id="seqdiagram"></pre></div>
</div>
<h2>The protocol machines (xstate)</h2>
${d.machines.map((m) => `<div class="machine"><h3>${esc(m.name)}</h3><p class="small">${esc(m.description)}</p><pre class="mermaid">${esc(m.mermaid)}</pre></div>`).join('\n')}
<script type="application/json" id="review-data">${json}</script>
<script>${scripts[0]}</script>
<script>${scripts[1]}</script>
</body></html>
`;
}
