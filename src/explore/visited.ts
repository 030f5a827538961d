/**
 * Visited-state storage for hash compaction (as in SPIN's -DHC): only a 64-bit
 * fingerprint per state in an open-addressing table, plus, indexed by discovery
 * order, the parent state index and the action that discovered the state.
 *
 * Table: one Int32Array holding (lo, hi) pairs, linear probing, slot chosen by
 * Lemire's multiply-shift range reduction of the lo lane (so the capacity need not be
 * a power of two and the table can grow by 1.25x, which keeps the average load high:
 * between 0.64 and 0.8). The pair (0, 0) marks an empty slot; `fingerprint()` never
 * produces it. Growth rehashes the stored fingerprints, never the states.
 *
 * An optional per-slot index lane (Int32Array) maps fingerprint -> state index; it is
 * only needed when the explorer stores edges (targets of duplicate successors).
 */

const MAX_LOAD = 0.8;
const GROWTH = 1.25;
/** capacity cap: 2^31 - 1 slots keeps slot arithmetic in int32 and arrays < 2^32 elements */
const MAX_CAPACITY = 0x7fffffff;

export class FingerprintTable {
  /** (lo, hi) pairs as int32; (0, 0) = empty */
  slots: Int32Array;
  /** state index per slot, when indexed */
  index: Int32Array | null;
  capacity: number;
  size = 0;
  /** grow when size reaches this */
  growAt: number;
  private scale: number;

  constructor(initialCapacity = 1024, indexed = false) {
    const cap = Math.max(16, Math.ceil(initialCapacity));
    this.capacity = cap;
    this.slots = new Int32Array(cap * 2);
    this.index = indexed ? new Int32Array(cap) : null;
    this.growAt = Math.floor(cap * MAX_LOAD);
    this.scale = cap / 4294967296;
  }

  /** bytes held by the table */
  get bytes(): number {
    return this.slots.byteLength + (this.index ? this.index.byteLength : 0);
  }

  /** capacity and bytes after the next growth */
  nextCapacity(): number {
    const c = Math.ceil(this.capacity * GROWTH) + 1;
    return c > MAX_CAPACITY ? MAX_CAPACITY : c;
  }

  bytesAfterGrowth(): number {
    return this.nextCapacity() * (this.index ? 12 : 8);
  }

  /**
   * Inserts fingerprint (lo, hi) (int32 lanes, as written by `fingerprint()`) with state index `idx` (stored only when indexed).
   * Returns -1 when it was new, else the stored index (indexed) or 0 (not indexed).
   * The caller must grow the table first when `size >= growAt`.
   */
  insert(lo: number, hi: number, idx: number): number {
    const slots = this.slots;
    const cap = this.capacity;
    let i = ((lo >>> 0) * this.scale) | 0;
    for (;;) {
      const j = i << 1;
      const sl = slots[j];
      const sh = slots[j + 1];
      if ((sl | sh) === 0) {
        slots[j] = lo;
        slots[j + 1] = hi;
        if (this.index !== null) this.index[i] = idx;
        this.size++;
        return -1;
      }
      if (sl === lo && sh === hi) return this.index !== null ? this.index[i] : 0;
      if (++i === cap) i = 0;
    }
  }

  /** the stored index (or 0 when not indexed) of (lo, hi), -1 when absent */
  find(lo: number, hi: number): number {
    const slots = this.slots;
    const cap = this.capacity;
    let i = ((lo >>> 0) * this.scale) | 0;
    for (;;) {
      const j = i << 1;
      const sl = slots[j];
      const sh = slots[j + 1];
      if ((sl | sh) === 0) return -1;
      if (sl === lo && sh === hi) return this.index !== null ? this.index[i] : 0;
      if (++i === cap) i = 0;
    }
  }

  /** grows by about 1.25x; returns false when at the capacity cap */
  grow(): boolean {
    const newCap = this.nextCapacity();
    if (newCap <= this.capacity) return false;
    const old = this.slots;
    const oldIndex = this.index;
    const oldCap = this.capacity;
    const slots = new Int32Array(newCap * 2);
    const index = oldIndex ? new Int32Array(newCap) : null;
    const scale = newCap / 4294967296;
    for (let k = 0; k < oldCap; k++) {
      const lo = old[k << 1];
      const hi = old[(k << 1) + 1];
      if ((lo | hi) === 0) continue;
      let i = ((lo >>> 0) * scale) | 0;
      while ((slots[i << 1] | slots[(i << 1) + 1]) !== 0) if (++i === newCap) i = 0;
      slots[i << 1] = lo;
      slots[(i << 1) + 1] = hi;
      if (index !== null) index[i] = oldIndex![k];
    }
    this.slots = slots;
    this.index = index;
    this.capacity = newCap;
    this.scale = scale;
    this.growAt = Math.min(Math.floor(newCap * MAX_LOAD), newCap - 1);
    return true;
  }

  /** drops the index lane (e.g. when edge storage is abandoned) */
  dropIndex(): void {
    this.index = null;
  }
}

/** parent index value of an initial state */
export const ROOT = -1;

/**
 * Per-state parent index (Int32, so at most 2^31 - 1 states) and discovering action (Uint16), by discovery order.
 * For an initial state, parent = ROOT and action = its position in `model.init()`.
 */
export class StateInfo {
  parent: Int32Array;
  action: Uint16Array;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity);
    this.parent = new Int32Array(cap);
    this.action = new Uint16Array(cap);
  }

  get capacity(): number {
    return this.parent.length;
  }

  get bytes(): number {
    return this.parent.byteLength + this.action.byteLength;
  }

  bytesAfterGrowth(): number {
    return Math.ceil(this.capacity * GROWTH + 16) * 6;
  }

  /** grows by about 1.25x */
  grow(): void {
    const cap = Math.min(Math.ceil(this.capacity * GROWTH + 16), 0x7fffffff);
    const p = new Int32Array(cap);
    p.set(this.parent);
    const a = new Uint16Array(cap);
    a.set(this.action);
    this.parent = p;
    this.action = a;
  }

  /**
   * The actions from an initial state to state `idx`, and that initial state's
   * position in `model.init()`.
   */
  pathTo(idx: number): { initIndex: number; path: number[] } {
    const path: number[] = [];
    let i = idx;
    while (this.parent[i] !== ROOT) {
      path.push(this.action[i]);
      i = this.parent[i];
    }
    path.reverse();
    return { initIndex: this.action[i], path };
  }

  /** number of steps from an initial state to `idx` */
  depthOf(idx: number): number {
    let d = 0;
    let i = idx;
    while (this.parent[i] !== ROOT) {
      d++;
      i = this.parent[i];
    }
    return d;
  }
}
