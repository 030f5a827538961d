/**
 * The golden file (test/golden/golden.json, recorded by `npm run golden -- record`):
 * a structural change of the engine leaves every claim's numbers and counterexample
 * paths as they were. Here on the claims that explore in a few seconds; the full
 * comparison is `npm run golden -- compare` (about 80 s).
 */
import { describe, expect, it } from 'vitest';
import { compareGolden } from './golden/golden.ts';

describe('golden file', () => {
  it('a sample of claims (each variant, with --no-reduce and --models entries) matches it exactly', () => {
    const sample = /^(2\.5\.62\.(uncached-read|odirect-read|io-destroy)|2\.5\.62\+fixes\.sync-read|mar05\.(uncached-read|fsync|cached-write)|mar14\.(cached-read|getevents-timeout|io-destroy|no-aio-read)|proposed\.(uncached-read|getevents-timeout|fsync))$/;
    expect(compareGolden(undefined, (id) => sample.test(id))).toEqual([]);
  });
});
