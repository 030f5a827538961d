/**
 * The model's file: its contents (a pure function of the offset, so nothing has to
 * be stored) and what a correct read of it returns. Pure functions, no machine: the
 * read path (src/engine/mm/filemap.ts) copies `fileByte` into user buffers and the
 * read-result invariant compares against `expectedRead`.
 */
import type { IocbSpec, Workload } from '../workload.ts';
import { EINVAL, EIO } from './errno.ts';

/** the file's byte at offset o (never 0 and never -1, so stale or garbage words show) */
export function fileByte(o: number): number {
  return ((o * 7 + 3) % 251) + 1;
}

/** the value copy_to_user writes for a page that is not PG_uptodate (stale data) */
export const GARBAGE = -1;

/**
 * Pages whose read fails and stays failed for a reader: a page listed in
 * `w.ioError` is read from disk with an error every time `readpage` is called on it,
 * unless it is already up to date ('uptodate') or the read in flight at the start
 * fills it ('locked-io': that read belongs to someone else and succeeds).
 * A 'locked-io-error' page that is not in `w.ioError` fails once (the read in
 * flight) and the reader's own readpage then succeeds.
 */
export function failingPages(w: Workload): number[] {
  return (w.ioError ?? []).filter((i) => w.cache[i] !== 'uptodate' && w.cache[i] !== 'locked-io');
}

/** pages [first, last] that the byte range [offset, end) touches */
function pagesOf(w: Workload, offset: number, end: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(offset / w.pageSize); p * w.pageSize < end; p++) out.push(p);
  return out;
}

/**
 * What a correct read(fd, buf, nbytes) at `offset` returns (2.5.62 semantics):
 * - a negative length: -EINVAL; a zero length or a start at or past i_size: 0;
 * - a read that runs past i_size is short: it stops at i_size;
 * - buffered: pages are read in order; at the first failing page the read stops,
 *   and the result is the byte count copied so far, or -EIO if nothing was copied
 *   ("return desc.error only if nothing was copied", __generic_file_aio_read);
 * - O_DIRECT (default: `w.fd.odirect`): the page cache is bypassed; any failing
 *   disk page in the range (`w.ioError`, whatever the cache holds) fails the whole
 *   request with -EIO, otherwise the count up to i_size.
 * `ioErrorPages` defaults to `failingPages(w)` for buffered reads.
 */
export function expectedRead(
  w: Workload,
  offset: number,
  nbytes: number,
  ioErrorPages: readonly number[] = failingPages(w),
  odirect: boolean = w.fd.odirect ?? false,
): number {
  if (nbytes < 0) return -EINVAL;
  if (nbytes === 0 || offset >= w.fileSize) return 0;
  const end = Math.min(offset + nbytes, w.fileSize);
  if (odirect) {
    const bad = w.ioError ?? [];
    return pagesOf(w, offset, end).some((p) => bad.includes(p)) ? -EIO : end - offset;
  }
  let copied = 0;
  for (const p of pagesOf(w, offset, end)) {
    if (ioErrorPages.includes(p)) return copied > 0 ? copied : -EIO;
    copied += Math.min((p + 1) * w.pageSize, end) - Math.max(p * w.pageSize, offset);
  }
  return copied;
}

/** the file bytes a correct read of `offset`/`nbytes` leaves in the user buffer */
export function expectedBytes(w: Workload, offset: number, nbytes: number): number[] {
  const r = expectedRead(w, offset, nbytes);
  return Array.from({ length: Math.max(0, r) }, (_, j) => fileByte(offset + j));
}

/**
 * The completion result a correct kernel posts for async iocb `io` of workload `w`,
 * or null when io_submit itself fails and no event is posted (io_submit_one's
 * -EBADF for a descriptor without FMODE_READ / FMODE_WRITE goes to out_put_req).
 * - pread: -EINVAL without f_op->aio_read (a character device), else expectedRead;
 * - pwrite: -EINVAL without f_op->aio_write, else the whole count (the model's i_size
 *   is fixed, writes past it are accepted and not stored);
 * - fsync / fdsync: -EINVAL (ext2 has no aio_fsync in 2.5.62, nor does a chardev).
 */
export function expectedAioResult(w: Workload, io: IocbSpec): number | null {
  const canRead = w.fd.mode === 'r' || w.fd.mode === 'rw';
  const canWrite = w.fd.mode === 'w' || w.fd.mode === 'rw';
  switch (io.op) {
    case 'pread':
      if (!canRead) return null;
      if (!w.fd.aioRead) return -EINVAL;
      return expectedRead(w, io.offset, io.nbytes);
    case 'pwrite':
      if (!canWrite) return null;
      if (!w.fd.aioRead) return -EINVAL;
      return io.nbytes < 0 ? -EINVAL : io.nbytes;
    case 'fsync':
    case 'fdsync':
      return -EINVAL;
  }
}
