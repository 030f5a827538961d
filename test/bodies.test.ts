/**
 * A variant reads like its patch: where a patch replaces a whole body, the machine of a
 * variant runs the body its variant chooses (`@body` labels, bodyLabels, bodyTable).
 */
import { describe, expect, it } from 'vitest';
import { fnBodies, fnByName } from '../src/engine/fn.ts';
import { buildMachine } from '../src/engine/setup.ts';
import { resolveVariant } from '../src/check/variantSpec.ts';
import { WORKLOADS } from '../src/engine/workloads.ts';
import { EngineModel } from '../src/engine/model.ts';
import { runSchedule, uniformChooser } from '../src/sim/run.ts';

function bodyRun(variant: string, fn: string): string {
  const v = resolveVariant(variant);
  if (!v) throw new Error(`no variant ${variant}`);
  const { k } = buildMachine(v, WORKLOADS['uncached-read']);
  return k.bodyOf(fnByName(fn)!).body ?? '2.5.62';
}

describe('patch bodies', () => {
  it('each function with several bodies has them in the files of their patches', () => {
    const files = (name: string) => fnBodies(name).map((f) => `${f.body ?? '2.5.62'}`).sort();
    expect(files('io_submit_one')).toEqual(['2.5.62', 'mar05', 'mar14']);
    expect(files('aio_run_iocbs')).toEqual(['mar05', 'mar14']);
    expect(files('aio_kick_handler')).toEqual(['2.5.62', 'aioretry']);
    expect(files('kick_iocb')).toEqual(['2.5.62', 'queueKickedIocb']);
    expect(files('aio_wake_function')).toEqual(['aioretry', 'wakeUnderCtxLock']);
  });

  it.each([
    ['2.5.62', 'io_submit_one', '2.5.62'],
    ['2.5.62+fixes', 'kick_iocb', '2.5.62'],
    ['mar05', 'io_submit_one', 'mar05'],
    ['mar05', 'aio_run_iocbs', 'mar05'],
    ['mar05', 'aio_kick_handler', 'aioretry'],
    ['mar14', 'io_submit_one', 'mar14'],
    ['mar14', 'aio_run_iocbs', 'mar14'],
    ['mar14', 'kick_iocb', 'queueKickedIocb'],
    ['mar14', 'aio_wake_function', 'aioretry'],
    // a change's body wins over the core's; turning the change off gives the core's back
    ['mar14+wakeUnderCtxLock', 'aio_wake_function', 'wakeUnderCtxLock'],
    ['proposed', 'aio_wake_function', 'wakeUnderCtxLock'],
    ['proposed-wakeUnderCtxLock', 'aio_wake_function', 'aioretry'],
    ['mar14-queueKickedIocb', 'kick_iocb', '2.5.62'],
    ['2.5.62+queueKickedIocb', 'kick_iocb', 'queueKickedIocb'],
  ])('%s runs the %s body of %s', (variant, fn, body) => {
    expect(bodyRun(variant, fn)).toBe(body);
  });

  it('a run of each core goes through its own bodies (the traces name the functions as the C does)', () => {
    const fns = (variant: string) => {
      const model = new EngineModel(resolveVariant(variant)!, WORKLOADS['cached-read'], undefined, { trace: true });
      runSchedule(model, uniformChooser(1), 20_000);
      return new Set((model.k.trace ?? []).map((s) => s.fn));
    };
    expect(fns('mar05').has('aio_process_iocb')).toBe(true);
    expect(fns('mar14').has('aio_run_iocb')).toBe(true);
    expect(fns('mar14').has('aio_process_iocb')).toBe(false);
    expect(fns('2.5.62').has('aio_run_iocb')).toBe(false);
    expect(fns('2.5.62').has('io_submit_one')).toBe(true);
  });
});
