/**
 * include/linux/list.h (2.5.62) at pointer level. A list_head at address `e` is the
 * two words e (next) and e+1 (prev). Every pointer is a real value: list_del leaves
 * NULL (0) in the entry, and a later store through it is an oops the engine reports.
 * Each operation is one visible step (shared list operation).
 */
import type { Machine } from '../machine.ts';

const next = (k: Machine, e: number) => k.rd(e, 'list_head->next');
const prev = (k: Machine, e: number) => k.rd(e + 1, 'list_head->prev');
const setNext = (k: Machine, e: number, v: number) => k.wr(e, v, 'list_head->next');
const setPrev = (k: Machine, e: number, v: number) => k.wr(e + 1, v, 'list_head->prev');

/** INIT_LIST_HEAD(e): e->next = e->prev = e */
export function INIT_LIST_HEAD(k: Machine, e: number): void {
  setNext(k, e, e);
  setPrev(k, e, e);
}

/** __list_add(new, prev, next) */
function __list_add(k: Machine, n: number, p: number, nx: number): void {
  setPrev(k, nx, n);
  setNext(k, n, nx);
  setPrev(k, n, p);
  setNext(k, p, n);
}

/** list_add(new, head): insert right after head. Does not look at new's own pointers. */
export function list_add(k: Machine, n: number, head: number): void {
  k.sharedAccess(n, head);
  k.listChange(head);
  __list_add(k, n, head, next(k, head));
  k.onListLink?.(n);
}

/** list_add_tail(new, head): insert right before head */
export function list_add_tail(k: Machine, n: number, head: number): void {
  k.sharedAccess(n, head);
  k.listChange(head);
  __list_add(k, n, prev(k, head), head);
  k.onListLink?.(n);
}

/** __list_del(prev, next) (the machine checks the lock of a wait queue whose head is a neighbour) */
function __list_del(k: Machine, p: number, nx: number): void {
  k.listChange(p);
  k.listChange(nx);
  setPrev(k, nx, p);
  setNext(k, p, nx);
}

/** list_del(e): unlink, then e->next = e->prev = NULL (0) */
export function list_del(k: Machine, e: number): void {
  k.sharedAccess(e);
  const linked = k.onListUnlink !== null && k.m[e] !== e;
  __list_del(k, prev(k, e), next(k, e));
  setNext(k, e, 0);
  setPrev(k, e, 0);
  if (linked) k.onListUnlink?.(e);
}

/** list_del_init(e): unlink, then INIT_LIST_HEAD(e). On NULL pointers the first store oopses. */
export function list_del_init(k: Machine, e: number): void {
  k.sharedAccess(e);
  const linked = k.onListUnlink !== null && k.m[e] !== e;
  __list_del(k, prev(k, e), next(k, e));
  setNext(k, e, e);
  setPrev(k, e, e);
  if (linked) k.onListUnlink?.(e);
}

/** list_empty(h): h->next == h (an unlocked read; NULL pointers are "not empty") */
export function list_empty(k: Machine, h: number): boolean {
  k.sharedAccess(h);
  return next(k, h) === h;
}

/** the first entry's list_head address (h->next), without a preemption point of its own */
export function list_first(k: Machine, h: number): number {
  return next(k, h);
}

/** for invariants and tests: the addresses on the list at head h (no checks, no step) */
export function listEntries(m: Int32Array, h: number, limit = 64): number[] | null {
  const out: number[] = [];
  let p = m[h];
  while (p !== h) {
    if (p === 0 || out.length >= limit) return null; // broken or cyclic
    if (m[p + 1] !== (out.length ? out[out.length - 1] : h)) return null; // prev link wrong
    out.push(p);
    p = m[p];
  }
  if (m[h + 1] !== (out.length ? out[out.length - 1] : h)) return null;
  return out;
}
