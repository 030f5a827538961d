/**
 * The BFS frontier: a FIFO of full states packed into fixed-size Int32Array blocks
 * (`[len, w0 .. w(len-1)]` records), so the frontier costs 4 bytes per word plus one
 * header word per state, creates no per-state objects that survive a young-generation
 * GC, and gives its memory back block by block as the current level is expanded.
 *
 * Consumed blocks are recycled for the next level (a pool), because fresh memory is
 * expensive here: on this project's VMs the first touch of a page costs ~10 us, which
 * made a queue of never-reused blocks cost ~3 us per 2 KiB state. So `shift()` returns
 * a copy (slab-allocated, see alloc.ts), never a view into a block.
 *
 * A queue can instead carry each state's fingerprint with it (`pushFp`/`shiftFp`/
 * `shiftViewFp`, records `[len, lo, hi, w0 .. w(len-1)]`), for models with the
 * incremental fast path (model.ts). A queue is used with one family or the other,
 * never both.
 */
import { totalmem } from 'node:os';
import { allocState } from './alloc.ts';

/**
 * Blocks of finished explorations, reused by the next queue in this process (a check
 * runs one exploration per claim: without this each one touched its frontier's pages
 * afresh, ~10 us per 4 KiB page on our VMs). At most SPARE_MAX_BYTES are kept.
 */
const SPARE: Int32Array[] = [];
let spareBytes = 0;
const SPARE_MAX_BYTES = Math.min(512 * 2 ** 20, Math.floor(totalmem() / 8));

/** bytes of blocks kept for reuse by later queues (for tests and the bench) */
export function spareFrontierBytes(): number {
  return spareBytes;
}

/** blocks start small (a fresh page costs ~10 us to touch on our VMs) and double up to the max */
const FIRST_BLOCK_WORDS = 1 << 14; // 64 KiB
const MAX_BLOCK_WORDS = 1 << 20; // 4 MiB
const END_OF_BLOCK = -1;

export class StateQueue {
  private blocks: Int32Array[] = [];
  /** block being read: blocks[0] */
  private readPos = 0;
  /** block being written: blocks[blocks.length - 1] */
  private writePos = 0;
  private blockWords: number;
  private maxBlockWords: number;
  /** consumed blocks, reused before allocating */
  private pool: Int32Array[] = [];
  /** states in the queue */
  count = 0;
  /** bytes held in blocks (in use or pooled) */
  bytes = 0;

  constructor(firstBlockWords = FIRST_BLOCK_WORDS, maxBlockWords = MAX_BLOCK_WORDS) {
    this.blockWords = firstBlockWords;
    this.maxBlockWords = Math.max(firstBlockWords, maxBlockWords);
  }

  private newBlock(minWords: number): Int32Array {
    let b: Int32Array | undefined;
    const pool = this.pool;
    for (let i = pool.length - 1; i >= 0; i--) {
      if (pool[i].length >= minWords) {
        b = pool[i];
        pool[i] = pool[pool.length - 1];
        pool.pop();
        break;
      }
    }
    if (b === undefined) {
      for (let i = SPARE.length - 1; i >= 0; i--) {
        if (SPARE[i].length >= minWords) {
          b = SPARE[i];
          SPARE[i] = SPARE[SPARE.length - 1];
          SPARE.pop();
          spareBytes -= b.byteLength;
          this.bytes += b.byteLength;
          break;
        }
      }
    }
    if (b === undefined) {
      b = new Int32Array(Math.max(this.blockWords, minWords));
      if (this.blockWords < this.maxBlockWords) this.blockWords *= 2;
      this.bytes += b.byteLength;
    }
    this.blocks.push(b);
    this.writePos = 0;
    return b;
  }

  /** the block to write a record of `need` words into, at `writePos` (a new one when the last is full) */
  private writeBlock(need: number): Int32Array {
    if (this.blocks.length === 0) return this.newBlock(need);
    const b = this.blocks[this.blocks.length - 1];
    if (this.writePos + need <= b.length) return b;
    if (this.writePos < b.length) b[this.writePos] = END_OF_BLOCK;
    return this.newBlock(need);
  }

  /** the block holding the oldest record, at `readPos` (releasing a consumed block); the queue must not be empty */
  private readBlock(): Int32Array {
    const b = this.blocks[0];
    if (this.readPos < b.length && b[this.readPos] !== END_OF_BLOCK) return b;
    this.release();
    return this.blocks[0];
  }

  push(s: Int32Array): void {
    const len = s.length;
    const need = len + 1;
    const b = this.writeBlock(need);
    const p = this.writePos;
    b[p] = len;
    if (len <= 16) {
      for (let i = 0; i < len; i++) b[p + 1 + i] = s[i];
    } else {
      b.set(s, p + 1);
    }
    this.writePos = p + need;
    this.count++;
  }

  /**
   * appends the header of a record of `len` words with fingerprint (lo, hi) and makes
   * room for its words, which end at the new `writePos` of the returned block
   */
  private appendFp(len: number, lo: number, hi: number): Int32Array {
    const need = len + 3;
    const b = this.writeBlock(need);
    const p = this.writePos;
    b[p] = len;
    b[p + 1] = lo;
    b[p + 2] = hi;
    this.writePos = p + need;
    this.count++;
    return b;
  }

  /** appends `s` with its fingerprint (lo, hi); see `shiftFp`/`shiftViewFp` */
  pushFp(s: Int32Array, lo: number, hi: number): void {
    const len = s.length;
    const b = this.appendFp(len, lo, hi);
    const p = this.writePos - len;
    if (len <= 16) {
      for (let i = 0; i < len; i++) b[p + i] = s[i];
    } else {
      b.set(s, p);
    }
  }

  /**
   * appends a record of `len` words with fingerprint (lo, hi), as `pushFp` does, and
   * returns the record's words (a view of the queue's memory) for the caller to fill
   * before anything else is pushed or shifted
   */
  allocFp(len: number, lo: number, hi: number): Int32Array {
    const b = this.appendFp(len, lo, hi);
    return b.subarray(this.writePos - len, this.writePos);
  }

  /**
   * removes the oldest state of a `pushFp` queue, writes its fingerprint to `fp[0]`,
   * `fp[1]` and returns it as a view of the queue's memory, valid until the next shift
   */
  shiftViewFp(fp: Int32Array): Int32Array {
    const b = this.readBlock();
    const q = this.readPos;
    const len = b[q];
    fp[0] = b[q + 1];
    fp[1] = b[q + 2];
    const p = q + 3;
    this.readPos = p + len;
    this.count--;
    return b.subarray(p, p + len);
  }

  /** as `shiftViewFp`, but returns a fresh copy */
  shiftFp(fp: Int32Array): Int32Array {
    const v = this.shiftViewFp(fp);
    const len = v.length;
    if (len <= 16) return v.slice();
    const t = allocState(len);
    if (len <= 256) {
      for (let i = 0; i < len; i++) t[i] = v[i];
    } else {
      t.set(v);
    }
    return t;
  }

  /** removes and returns the oldest state (a fresh copy); the queue must not be empty */
  shift(): Int32Array {
    const b = this.readBlock();
    const p = this.readPos + 1;
    const len = b[p - 1];
    this.readPos = p + len;
    this.count--;
    if (len <= 16) return b.slice(p, p + len);
    const t = allocState(len);
    if (len <= 256) {
      for (let i = 0; i < len; i++) t[i] = b[p + i];
    } else {
      t.set(b.subarray(p, p + len));
    }
    return t;
  }

  /**
   * removes and returns the oldest state as a view of the queue's own memory: valid
   * until the next `shift`/`shiftView` (for models with `transientStates`)
   */
  shiftView(): Int32Array {
    const b = this.readBlock();
    const p = this.readPos + 1;
    const len = b[p - 1];
    this.readPos = p + len;
    this.count--;
    return b.subarray(p, p + len);
  }

  private release(): void {
    const old = this.blocks.shift()!;
    this.readPos = 0;
    this.pool.push(old);
  }

  /** drops everything; the blocks go to the process's spare blocks for the next queue */
  clear(): void {
    for (const b of [...this.blocks, ...this.pool]) {
      if (spareBytes + b.byteLength > SPARE_MAX_BYTES) break;
      SPARE.push(b);
      spareBytes += b.byteLength;
    }
    this.blocks = [];
    this.pool = [];
    this.readPos = 0;
    this.writePos = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
