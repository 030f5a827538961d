/**
 * Visited-state storage for hash compaction (as in SPIN's -DHC): only a 64-bit
 * fingerprint per state in an open-addressing table, plus, indexed by discovery
 * order, the parent state index and the action that discovered the state.
 *
 * Table: one Int32Array holding (lo, hi) pairs, linear probing, slot chosen by
 * Lemire's multiply-shift range reduction of the lo lane (so the capacity need not be
 * a power of two and the table can grow by 1.5x, which keeps the load between 0.53
 * and 0.8: 10 to 15 bytes per state). The pair (0, 0) marks an empty slot; `fingerprint()` never
 * produces it. Growth rehashes the stored fingerprints, never the states.
 *
 * Memory is resizable ArrayBuffers grown in place (up to 4 GiB each), so growth only
 * touches the added pages: on this project's VMs a first touch of a page costs ~10 us,
 * which made copy-on-grow the single largest cost of exploring. The table is rehashed
 * in place, top-down (see `rehashInPlace`). Beyond 4 GiB it falls back to allocating
 * a fresh plain array and rehashing into it.
 *
 * An optional per-slot index lane (Int32Array) maps fingerprint -> state index; it is
 * only needed when the explorer stores edges (targets of duplicate successors).
 *
 * A `shared` table keeps its slots in a growable SharedArrayBuffer, so that other
 * threads can look fingerprints up (SharedTableReader, for the parallel explorer's
 * workers) while the owner inserts. Readers never see a fingerprint that was not
 * inserted (lookups during a growth, flagged by an odd `epoch`, just report "absent").
 */

const MAX_LOAD = 0.8;
/** the largest resizable ArrayBuffer V8 (Node 20) accepts */
const RAB_MAX_BYTES = 2 ** 32;

interface ResizableArrayBuffer extends ArrayBuffer {
  readonly maxByteLength: number;
  readonly resizable: boolean;
  resize(byteLength: number): void;
}
const RAB = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer;

/** a resizable buffer of `bytes` bytes (max RAB_MAX_BYTES), or a plain one when resizable buffers are unavailable */
export function growableBuffer(bytes: number): ArrayBuffer {
  try {
    return new RAB(bytes, { maxByteLength: RAB_MAX_BYTES });
  } catch {
    return new ArrayBuffer(bytes);
  }
}

/** grows `buf` in place to `bytes` when possible; false when the caller must copy */
export function tryResize(buf: ArrayBufferLike, bytes: number): boolean {
  if (buf instanceof SharedArrayBuffer) {
    const g = buf as SharedArrayBuffer & { growable?: boolean; maxByteLength: number; grow(n: number): void };
    if (g.growable !== true || bytes > g.maxByteLength) return false;
    g.grow(bytes);
    return true;
  }
  const b = buf as ResizableArrayBuffer;
  if (b.resizable !== true || bytes > b.maxByteLength) return false;
  b.resize(bytes);
  return true;
}

/** a growable SharedArrayBuffer of `bytes` bytes, or null when unavailable */
function growableShared(bytes: number): SharedArrayBuffer | null {
  try {
    const SAB = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer & { growable?: boolean };
    const b = new SAB(bytes, { maxByteLength: RAB_MAX_BYTES });
    return b.growable === true ? b : null;
  } catch {
    return null;
  }
}

/** what a SharedTableReader needs (structured-cloneable: the buffers are shared) */
export interface SharedTableHandle {
  slots: SharedArrayBuffer;
  /** the index lane, when the table has one */
  index: SharedArrayBuffer | null;
  /** [epoch, capacity]: epoch is odd while the table is being rebuilt, -1 once it is no longer shared */
  header: SharedArrayBuffer;
}

/**
 * Lookups in another thread's shared FingerprintTable. `has` may answer false for a
 * fingerprint that is present (while the table grows), never true for one that is not
 * (up to a torn read of a slot being written: a pair of two inserted fingerprints' lanes).
 */
export class SharedTableReader {
  private readonly slotsBuf: SharedArrayBuffer;
  private readonly indexBuf: SharedArrayBuffer | null;
  private readonly header: Int32Array;
  /** fixed-length views for capacity `cap` (length-tracking views are slow to index) */
  private slots: Int32Array = new Int32Array(0);
  private index: Int32Array | null = null;
  private cap = 0;
  private scale = 0;

  constructor(h: SharedTableHandle) {
    this.slotsBuf = h.slots;
    this.indexBuf = h.index;
    this.header = new Int32Array(h.header);
  }

  private remap(cap: number): boolean {
    try {
      this.slots = new Int32Array(this.slotsBuf, 0, cap * 2);
      this.index = this.indexBuf !== null ? new Int32Array(this.indexBuf, 0, cap) : null;
    } catch {
      return false;
    }
    this.cap = cap;
    this.scale = cap / 4294967296;
    return true;
  }

  /**
   * -1 when (lo, hi) is absent (or the table is being rebuilt), else its state index
   * (0 when the table has no index lane)
   */
  find(lo: number, hi: number): number {
    const h = this.header;
    const e = Atomics.load(h, 0);
    if ((e & 1) !== 0) return -1;
    const cap = h[1];
    if (cap !== this.cap && !this.remap(cap)) return -1;
    const slots = this.slots;
    let i = ((lo >>> 0) * this.scale) | 0;
    for (let n = 0; n < cap; n++) {
      const j = i << 1;
      const sl = slots[j];
      const sh = slots[j + 1];
      if ((sl | sh) === 0) return -1;
      if (sl === lo && sh === hi) {
        // the owner stores lo last (SharedFingerprintTable.insert): re-read it with
        // acquire semantics before reading the index written before it
        if (Atomics.load(slots, j) !== lo) return -1;
        const x = this.index !== null ? this.index[i] : 0;
        return Atomics.load(h, 0) === e ? x : -1;
      }
      if (++i === cap) i = 0;
    }
    return -1;
  }
}

/** table growth factor (each growth rehashes every entry: 1.5x means ~2 rehashes per entry overall) */
const GROWTH = 1.5;
/** per-state arrays grow in place without copying, so they can grow in small steps */
const INFO_GROWTH = 1.125;
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
  /** shared tables: [epoch, capacity], see SharedTableHandle */
  private header: Int32Array | null = null;

  /**
   * `inPlace: false` forces copy-on-grow (the path taken beyond 4 GiB); for tests.
   * `shared`: slots in a growable SharedArrayBuffer, see `handle()` (when available).
   */
  constructor(initialCapacity = 1024, indexed = false, inPlace = true, shared = false) {
    const cap = Math.max(16, Math.ceil(initialCapacity));
    const buf = (bytes: number) => (inPlace ? growableBuffer(bytes) : new ArrayBuffer(bytes));
    let sab = shared && inPlace ? growableShared(cap * 8) : null;
    const isab = sab !== null && indexed ? growableShared(cap * 4) : null;
    if (indexed && isab === null) sab = null;
    if (sab !== null) {
      this.header = new Int32Array(new SharedArrayBuffer(8));
      this.header[1] = cap;
    }
    this.slots = new Int32Array(sab ?? buf(cap * 8), 0, cap * 2);
    this.index = indexed ? new Int32Array(isab ?? buf(cap * 4), 0, cap) : null;
    this.capacity = cap;
    this.growAt = Math.floor(cap * MAX_LOAD);
    this.scale = cap / 4294967296;
  }

  /** for SharedTableReader in other threads; null when the table is not shared */
  handle(): SharedTableHandle | null {
    if (this.header === null) return null;
    return {
      slots: this.slots.buffer as SharedArrayBuffer,
      index: this.index !== null ? (this.index.buffer as SharedArrayBuffer) : null,
      header: this.header.buffer as SharedArrayBuffer,
    };
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

  /** grows by about 1.5x; returns false when at the capacity cap */
  grow(): boolean {
    const newCap = this.nextCapacity();
    if (newCap <= this.capacity) return false;
    const oldCap = this.capacity;
    const h = this.header;
    if (h !== null) Atomics.add(h, 0, 1); // odd: readers look nothing up until it is even again
    const inPlace =
      tryResize(this.slots.buffer, newCap * 8) && (this.index === null || tryResize(this.index.buffer, newCap * 4));
    if (inPlace) {
      this.slots = new Int32Array(this.slots.buffer, 0, newCap * 2);
      if (this.index !== null) this.index = new Int32Array(this.index.buffer, 0, newCap);
      this.setCapacity(newCap);
      this.rehashInPlace(oldCap);
      if (h !== null) {
        h[1] = newCap;
        Atomics.add(h, 0, 1);
      }
    } else {
      this.rehashCopy(oldCap, newCap);
      if (h !== null) {
        // the new slots are not shared: readers find nothing from now on
        Atomics.store(h, 0, -1);
        this.header = null;
      }
    }
    return true;
  }

  private setCapacity(cap: number): void {
    this.capacity = cap;
    this.scale = cap / 4294967296;
    this.growAt = Math.min(Math.floor(cap * MAX_LOAD), cap - 1);
  }

  /**
   * The buffers already have the new capacity, slots >= oldCap are empty. Every old
   * entry is moved to the first slot from its new home that is not "done" (empty, or
   * holding a not-yet-moved entry, which is then swapped into the slot being
   * processed and handled next). Done slots never become empty again and every entry
   * is placed at the first non-done slot from its home, so every slot between an
   * entry's home and its position stays occupied: a valid linear-probing table.
   * Processing old slots from the top down makes most moves land in already-empty
   * slots above (new home ~ 1.5x old), so there are few swaps and access is nearly
   * sequential.
   */
  private rehashInPlace(oldCap: number): void {
    const slots = this.slots;
    const index = this.index;
    const cap = this.capacity;
    const scale = this.scale;
    const done = new Uint8Array(oldCap);
    for (let i = oldCap - 1; i >= 0; i--) {
      if (done[i] !== 0) continue;
      for (;;) {
        const lo = slots[i << 1];
        const hi = slots[(i << 1) + 1];
        if ((lo | hi) === 0) break;
        let j = ((lo >>> 0) * scale) | 0;
        for (;;) {
          if ((slots[j << 1] | slots[(j << 1) + 1]) === 0) break; // empty
          if (j < oldCap && done[j] === 0) break; // not yet moved (maybe i itself)
          if (++j === cap) j = 0;
        }
        if (j === i) {
          done[i] = 1;
          break;
        }
        if ((slots[j << 1] | slots[(j << 1) + 1]) === 0) {
          slots[j << 1] = lo;
          slots[(j << 1) + 1] = hi;
          slots[i << 1] = 0;
          slots[(i << 1) + 1] = 0;
          if (index !== null) index[j] = index[i];
          if (j < oldCap) done[j] = 1;
          break;
        }
        // swap with the not-yet-moved entry at j, then process what landed in i
        slots[i << 1] = slots[j << 1];
        slots[(i << 1) + 1] = slots[(j << 1) + 1];
        slots[j << 1] = lo;
        slots[(j << 1) + 1] = hi;
        if (index !== null) {
          const t = index[i];
          index[i] = index[j];
          index[j] = t;
        }
        done[j] = 1;
      }
    }
  }

  private rehashCopy(oldCap: number, newCap: number): void {
    const old = this.slots;
    const oldIndex = this.index;
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
    this.setCapacity(newCap);
  }

  /** removes every entry (keeps the capacity) */
  clear(): void {
    this.slots.fill(0);
    this.size = 0;
  }

  /** drops the index lane (e.g. when edge storage is abandoned) */
  dropIndex(): void {
    this.index = null;
  }
}

/**
 * A FingerprintTable other threads can read (SharedTableReader) while this one
 * inserts: its insert writes a slot's index and hi lane before its lo lane, so a
 * reader that sees the lo lane sees the rest. Falls back to a private table (handle()
 * null) when growable SharedArrayBuffers are unavailable.
 */
export class SharedFingerprintTable extends FingerprintTable {
  constructor(initialCapacity = 1024, indexed = false) {
    super(initialCapacity, indexed, true, true);
  }

  override insert(lo: number, hi: number, idx: number): number {
    const slots = this.slots;
    const cap = this.capacity;
    let i = ((lo >>> 0) * (cap / 4294967296)) | 0;
    for (;;) {
      const j = i << 1;
      const sl = slots[j];
      const sh = slots[j + 1];
      if ((sl | sh) === 0) {
        if (this.index !== null) this.index[i] = idx;
        slots[j + 1] = hi;
        Atomics.store(slots, j, lo);
        this.size++;
        return -1;
      }
      if (sl === lo && sh === hi) return this.index !== null ? this.index[i] : 0;
      if (++i === cap) i = 0;
    }
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
    this.parent = new Int32Array(growableBuffer(cap * 4), 0, cap);
    this.action = new Uint16Array(growableBuffer(cap * 2), 0, cap);
  }

  get capacity(): number {
    return this.parent.length;
  }

  get bytes(): number {
    return this.parent.byteLength + this.action.byteLength;
  }

  bytesAfterGrowth(): number {
    return Math.ceil(this.capacity * INFO_GROWTH + 16) * 6;
  }

  /** grows by about 1.125x (in place while under 4 GiB per array) */
  grow(): void {
    const cap = Math.min(Math.ceil(this.capacity * INFO_GROWTH + 16), 0x7fffffff);
    if (tryResize(this.parent.buffer as ArrayBuffer, cap * 4)) {
      this.parent = new Int32Array(this.parent.buffer, 0, cap);
    } else {
      const p = new Int32Array(cap);
      p.set(this.parent);
      this.parent = p;
    }
    if (tryResize(this.action.buffer as ArrayBuffer, cap * 2)) {
      this.action = new Uint16Array(this.action.buffer, 0, cap);
    } else {
      const a = new Uint16Array(cap);
      a.set(this.action);
      this.action = a;
    }
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
