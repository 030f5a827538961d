/**
 * Atomic bitops (include/asm/bitops.h): each read-modify-write is one atomic,
 * visible step; test_bit is a plain read (also a preemption point: it races).
 */
import type { Machine } from '../machine.ts';

export function set_bit(k: Machine, nr: number, addr: number): void {
  k.sharedAccess();
  k.wr(addr, k.rd(addr, 'flags') | (1 << nr), 'flags');
}
export function clear_bit(k: Machine, nr: number, addr: number): void {
  k.sharedAccess();
  k.wr(addr, k.rd(addr, 'flags') & ~(1 << nr), 'flags');
}
/** returns the old value of the bit (0 or 1) */
export function test_and_set_bit(k: Machine, nr: number, addr: number): number {
  k.sharedAccess();
  const old = k.rd(addr, 'flags');
  k.wr(addr, old | (1 << nr), 'flags');
  return (old >> nr) & 1;
}
export function test_and_clear_bit(k: Machine, nr: number, addr: number): number {
  k.sharedAccess();
  const old = k.rd(addr, 'flags');
  k.wr(addr, old & ~(1 << nr), 'flags');
  return (old >> nr) & 1;
}
export function test_bit(k: Machine, nr: number, addr: number): number {
  k.sharedAccess();
  return (k.rd(addr, 'flags') >> nr) & 1;
}
