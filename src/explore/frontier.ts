/**
 * The BFS frontier: a FIFO of full states packed into fixed-size Int32Array blocks
 * (`[len, w0 .. w(len-1)]` records), so the frontier costs 4 bytes per word plus one
 * header word per state, creates no per-state objects that survive a young-generation
 * GC, and gives its memory back block by block as the current level is expanded.
 *
 * `shift()` returns a view into a block rather than a copy: blocks are append-only
 * and never recycled (a consumed block is left to the GC), so a view stays valid and
 * unaliased for as long as anyone holds it, like a fresh array (models must not
 * modify the states they are given, which the Model interface already requires).
 */

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
  /** states in the queue */
  count = 0;
  /** bytes held in blocks still in use */
  bytes = 0;

  constructor(firstBlockWords = FIRST_BLOCK_WORDS, maxBlockWords = MAX_BLOCK_WORDS) {
    this.blockWords = firstBlockWords;
    this.maxBlockWords = Math.max(firstBlockWords, maxBlockWords);
  }

  private newBlock(minWords: number): Int32Array {
    const b = new Int32Array(Math.max(this.blockWords, minWords));
    if (this.blockWords < this.maxBlockWords) this.blockWords *= 2;
    this.bytes += b.byteLength;
    this.blocks.push(b);
    this.writePos = 0;
    return b;
  }

  push(s: Int32Array): void {
    const len = s.length;
    const need = len + 1;
    let b: Int32Array;
    if (this.blocks.length === 0) {
      b = this.newBlock(need);
    } else {
      b = this.blocks[this.blocks.length - 1];
      if (this.writePos + need > b.length) {
        if (this.writePos < b.length) b[this.writePos] = END_OF_BLOCK;
        b = this.newBlock(need);
      }
    }
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

  /** removes and returns the oldest state (a view, see above); the queue must not be empty */
  shift(): Int32Array {
    let b = this.blocks[0];
    if (this.readPos >= b.length || b[this.readPos] === END_OF_BLOCK) {
      this.release();
      b = this.blocks[0];
    }
    const p = this.readPos;
    const len = b[p];
    this.readPos = p + 1 + len;
    this.count--;
    return b.subarray(p + 1, p + 1 + len);
  }

  private release(): void {
    const old = this.blocks.shift()!;
    this.readPos = 0;
    this.bytes -= old.byteLength;
  }

  /** drops everything */
  clear(): void {
    this.blocks = [];
    this.readPos = 0;
    this.writePos = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
