/**
 * Spinlocks with irq semantics (include/linux/spinlock.h, 2.5.62).
 *
 * A lock word holds the owner thread + 1 (0 = unlocked). `spin_lock_irq` disables
 * interrupts on the caller's CPU, then takes the lock; while the lock is held by
 * another thread the caller spins (its thread is not scheduled until the lock is
 * free, and its CPU stays non-preemptible with irqs off, as in the kernel). The
 * `_irq` unlock re-enables interrupts unconditionally; `irqrestore` restores the
 * saved state. Holding a spinlock makes the CPU non-preemptible: no other process
 * context runs on that CPU until it is released.
 *
 * Usage in a kfn step, always as the first thing in its `case`:
 *   case 3: if (!spin_lock_irq(k, ctx.$('ctx_lock'))) return; f.pc = 4; return;
 */
import type { Machine } from '../machine.ts';
import { PANIC_LOCK } from '../machine.ts';

/**
 * One attempt to take lock l (the step form the compiler emits for `yield* spin_lock*(k, l)`):
 * the saved irq state once held, -1 while the lock is busy (the thread spins; the step is retried).
 */
export function acquire(k: Machine, l: number, irq: 'none' | 'irq' | 'save'): number {
  const me = k.cur;
  const spinning = k.threadWord('spin_on') === l;
  if (!spinning) {
    // first attempt: local_irq_disable / local_irq_save, preempt_disable
    const saved = k.cpuWord(k.cpuId, 'irqs_off');
    if (irq !== 'none') k.setCpuWord(k.cpuId, 'irqs_off', 1);
    k.setThreadWord('preempt', k.threadWord('preempt') + 1);
    k.setThreadWord('spin_flags', saved);
  }
  const owner = k.rd(l, 'spinlock');
  k.ppAcquire();
  if (owner === me + 1) k.panic(PANIC_LOCK, `recursive spin_lock of ${k.describe(l)} (deadlock)`);
  if (owner !== 0) {
    k.setThreadWord('spin_on', l);
    k.setThreadWord('status', 2 /* T_SPIN */);
    return -1;
  }
  k.wr(l, me + 1, 'spinlock');
  k.setThreadWord('spin_on', 0);
  const saved = k.threadWord('spin_flags');
  k.setThreadWord('spin_flags', 0);
  return saved;
}

function release(k: Machine, l: number): void {
  const owner = k.rd(l, 'spinlock');
  k.ppRelease();
  if (owner !== k.cur + 1)
    k.panic(PANIC_LOCK, `spin_unlock of ${k.describe(l)} not held by ${k.t().name} (owner ${owner ? k.threads[owner - 1].name : 'none'})`);
  k.wr(l, 0, 'spinlock');
  k.setThreadWord('preempt', k.threadWord('preempt') - 1);
}

/** spin_lock(l): true once held; false while spinning */
export function spin_lock(k: Machine, l: number): boolean {
  return acquire(k, l, 'none') >= 0;
}
export function spin_unlock(k: Machine, l: number): void {
  release(k, l);
}
/** spin_lock_irq(l) */
export function spin_lock_irq(k: Machine, l: number): boolean {
  return acquire(k, l, 'irq') >= 0;
}
/** spin_unlock_irq(l): unlock and re-enable interrupts unconditionally */
export function spin_unlock_irq(k: Machine, l: number): void {
  release(k, l);
  k.setCpuWord(k.cpuId, 'irqs_off', 0);
}
/** spin_lock_irqsave(l, flags): the saved irq state (0/1) once held, -1 while spinning */
export function spin_lock_irqsave(k: Machine, l: number): number {
  return acquire(k, l, 'save');
}
/** spin_unlock_irqrestore(l, flags) */
export function spin_unlock_irqrestore(k: Machine, l: number, flags: number): void {
  release(k, l);
  k.setCpuWord(k.cpuId, 'irqs_off', flags);
}
