/**
 * Spinlocks as the straight-line kernel source writes them: `yield* spin_lock_irq(k, l)`.
 * Each attempt is a step of its own; the compiler turns the call into a case that is
 * retried while the lock is busy (`acquire` in spinlock.ts). The bodies below say the same
 * thing as a generator would run it.
 */
import type { KGen } from '../fn.ts';
import type { Machine } from '../machine.ts';
import { acquire } from './spinlock.ts';

export { spin_unlock, spin_unlock_irq, spin_unlock_irqrestore } from './spinlock.ts';

/** spin_lock(l) */
export function* spin_lock(k: Machine, l: number): KGen<void> {
  while (acquire(k, l, 'none') < 0) yield;
}
/** spin_lock_irq(l): interrupts off on this CPU, then the lock */
export function* spin_lock_irq(k: Machine, l: number): KGen<void> {
  while (acquire(k, l, 'irq') < 0) yield;
}
/** spin_lock_irqsave(l, flags): returns the saved irq state */
export function* spin_lock_irqsave(k: Machine, l: number): KGen<number> {
  for (;;) {
    const flags = acquire(k, l, 'save');
    if (flags >= 0) return flags;
    yield;
  }
}
