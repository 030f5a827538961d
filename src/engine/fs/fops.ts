/**
 * struct file_operations of the model's files (include/linux/fs.h), stored in
 * file->f_op as a small integer. The table is built on first use so that this module
 * can be imported from fs/aio.c's port without an initialisation cycle.
 *   FOPS_GENERIC: ext2_file_operations (fs/ext2/file.c, 2.5.62): .read = generic_file_read,
 *                 .aio_read = generic_file_aio_read, .aio_write = generic_file_aio_write,
 *                 no .aio_fsync (so IOCB_CMD_FSYNC/FDSYNC give -EINVAL).
 *   FOPS_CHARDEV: a character device without aio methods (aio_read/aio_write NULL: -EINVAL).
 */
import type { Machine } from '../machine.ts';
import { FILE } from '../structs.ts';
import { PANIC_ENGINE } from '../machine.ts';
import { generic_file_aio_read, generic_file_aio_write, generic_file_read } from '../mm/filemap.ts';

export const FOPS_NONE = 0;
export const FOPS_GENERIC = 1;
export const FOPS_CHARDEV = 2;

export type FopName = 'aio_read' | 'aio_write' | 'aio_fsync' | 'read';
type Fops = Record<FopName, number>;

let TABLE: Fops[] | null = null;
function table(): Fops[] {
  if (!TABLE) {
    TABLE = [];
    TABLE[FOPS_NONE] = { read: 0, aio_read: 0, aio_write: 0, aio_fsync: 0 };
    TABLE[FOPS_GENERIC] = { read: generic_file_read.id, aio_read: generic_file_aio_read.id, aio_write: generic_file_aio_write.id, aio_fsync: 0 };
    TABLE[FOPS_CHARDEV] = { read: 0, aio_read: 0, aio_write: 0, aio_fsync: 0 };
  }
  return TABLE;
}

/** the method of a file_operations table, as a kernel function id (0 = NULL) */
export function fopsMethod(fops: number, op: FopName): number {
  const t = table()[fops];
  if (!t) throw new Error(`no file_operations table ${fops}`);
  return t[op];
}

/** file->f_op->op: the kernel function id of the method (0 = NULL). Reads file->f_op (no preemption point: f_op never changes). */
export function fop(k: Machine, file: number, op: FopName): number {
  const id = k.rd(file + FILE.off.f_op, 'file->f_op');
  const t = table()[id];
  if (!t) k.panic(PANIC_ENGINE, `file->f_op = ${id} is not a file_operations table`);
  return t[op];
}
