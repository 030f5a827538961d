/**
 * The review page in a real browser: headless Chromium (Debian's package, no network)
 * opens the self-contained page, the verdict matrices and the diagrams render, and the
 * trace stepper steps. Skipped, with a message, where Chromium is not installed.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { renderPage, type PageData } from '../src/review/page.ts';
import { runCheck } from '../src/check/run.ts';
import { VARIANTS } from '../src/engine/variants.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { buildTrace } from '../src/trace/trace.ts';
import { MODELS, toMermaid } from '../models/index.ts';
import { INVARIANTS } from '../src/check/invariants.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!CHROMIUM) console.warn('html.test: no Chromium installed (apt-get install chromium): the browser test is skipped');

function pageData(): PageData {
  const ws = ['cached-read', 'no-aio-read'];
  const from = '2.5.62+fixes';
  const to = 'mar14';
  const d: PageData = {
    title: `review: ${from} -> ${to}`,
    from: { name: from, description: VARIANTS[from].description },
    to: { name: to, description: VARIANTS[to].description },
    workloads: ws,
    invariants: [...INVARIANTS],
    matrix: {},
    fixed: [],
    broken: [],
    traces: [],
    machines: Object.entries(MODELS).map(([name, m]) => ({ name, description: m.description, mermaid: toMermaid(m) })),
  };
  for (const v of [from, to]) {
    d.matrix[v] = {};
    for (const w of ws) {
      const r = runCheck(VARIANTS[v], WORKLOADS[w], { maxStates: 50_000 });
      d.matrix[v][w] = Object.fromEntries(r.invariants.map((i) => [i.invariant, i.verdict]));
      if (v === to)
        for (const i of r.invariants)
          if (i.verdict === 'violated' && d.matrix[from][w][i.invariant] !== 'violated') {
            d.broken.push({ workload: w, invariant: i.invariant, trace: d.traces.length });
            d.traces.push({ title: `${v} / ${w}: ${i.invariant}`, kind: 'broken', trace: buildTrace(VARIANTS[v], WORKLOADS[w], i.path!, i.invariant) });
          }
    }
  }
  return d;
}

describe('the review page', () => {
  const html = renderPage(pageData());

  it('is one self-contained file: no network references', () => {
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain('default-src \'none\'');
    expect(html).toContain('mermaid');
  });

  it.skipIf(!CHROMIUM)('renders in headless Chromium: matrices, diagrams, and the stepper steps', async () => {
    const { chromium } = await import('playwright-core');
    const dir = mkdtempSync(join(tmpdir(), 'page-'));
    const file = join(dir, 'review.html');
    writeFileSync(file, html);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(await page.locator('table.matrix').count()).toBe(2);
      expect(await page.locator('td.violated').count()).toBeGreaterThan(0);
      // three state machines and the trace's sequence diagram, drawn as SVG
      expect(await page.locator('.machine svg').count()).toBe(3);
      expect(await page.locator('#seqdiagram svg').count()).toBe(1);
      const first = await page.textContent('#stepno');
      expect(first).toMatch(/^1 \/ \d+$/);
      await page.click('#next');
      await page.click('#next');
      expect(await page.textContent('#stepno')).toMatch(/^3 \/ \d+$/);
      expect(await page.textContent('#statebox')).toContain('kiocb0');
      await page.click('#prev');
      expect(await page.textContent('#stepno')).toMatch(/^2 \/ \d+$/);
      // another trace from its tab
      await page.locator('#tracetabs button').nth(1).click();
      await page.waitForFunction(() => document.querySelector('#seqdiagram svg') !== null);
      expect(await page.textContent('#stepno')).toMatch(/^1 \/ \d+$/);
    } finally {
      await browser.close();
    }
  });
});
