/**
 * Where each kernel function of a trace comes from: the 2.5.62 tree, or one of the
 * seed patches (new function), or a 2.5.62 function a patch changes (hunk).
 */
import type { Variant } from '../engine/variants.ts';

const NEW_MAR14 = new Set(['aio_run_iocb', 'aio_pread', 'aio_pwrite', 'aio_fdsync', 'aio_fsync', 'aio_setup_iocb']);
const NEW_MAR05 = new Set(['aio_process_iocb']);
const NEW_RETRY = new Set(['aio_run_iocbs', 'queue_kicked_iocb', 'aio_wake_function']);
const NEW_READ = new Set(['aio_schedule', 'aio_wait_on_page_bit', '__aio_lock_page', 'aio_lock_page', 'aio_wait_on_page_locked']);
const CHANGED_RETRY = new Set(['io_submit_one', 'aio_kick_handler', 'kick_iocb', 'aio_complete', 'read_events', '__aio_get_req']);
const CHANGED_MAR05 = new Set(['wait_on_sync_kiocb', 'prepare_to_wait']);
const CHANGED_READ = new Set(['do_generic_mapping_read', 'generic_file_read']);

export function originOf(fn: string, v: Variant): string {
  const retry = v.core === 'mar05' ? 'Mar 5 aioretry.patch' : v.core === 'mar14' ? 'Mar 14 aioretry.patch' : null;
  if (NEW_MAR14.has(fn) && v.core === 'mar14') return 'Mar 14 aioretry.patch (new)';
  if (NEW_MAR05.has(fn) && v.core === 'mar05') return 'Mar 5 aioretry.patch (new)';
  if (NEW_RETRY.has(fn) && retry) return `${retry} (new)`;
  if (NEW_READ.has(fn)) return 'aioread.patch (new)';
  if (CHANGED_RETRY.has(fn) && retry) return `2.5.62 + ${retry} hunk`;
  if (CHANGED_MAR05.has(fn) && v.core === 'mar05') return '2.5.62 + Mar 5 aioretry.patch hunk';
  if (CHANGED_READ.has(fn) && v.aioReadFilemap) return '2.5.62 + aioread.patch hunk';
  if (fn === 'aio_complete' && v.syncWakeFix && !retry) return '2.5.62 + sync wakeup fix';
  if (fn.endsWith('_main')) return 'workload program';
  return '2.5.62';
}
