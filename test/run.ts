/**
 * npm test: runs vitest with its JSON reporter next to the default one and prints
 * the closing line CI reads: `N passed, N failed` (and `, N skipped`).
 * Extra arguments go to vitest (e.g. a file filter).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const out = join(process.cwd(), '.vitest-results.json');
rmSync(out, { force: true });
const r = spawnSync('npx', ['vitest', 'run', '--testTimeout=300000', '--hookTimeout=300000', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: process.env,
});
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(out)) {
  const j = JSON.parse(readFileSync(out, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; numFailedTestSuites: number };
  passed = j.numPassedTests;
  // a failed test also fails its describe block and its file: count suites only when no test failed (a file that did not load)
  failed = j.numFailedTests || (j.numFailedTestSuites ?? 0);
  skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  rmSync(out, { force: true });
} else failed = 1;
if (r.status !== 0 && failed === 0) failed = 1;
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed ? 1 : 0);
