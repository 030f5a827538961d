/** include/asm-generic/errno-base.h and include/linux/errno.h values (positive; code returns -E...) */
export const EINTR = 4;
export const EIO = 5;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EEXIST = 17;
export const EINVAL = 22;
/** kernel-internal: "iocb queued, will get completion event" */
export const EIOCBQUEUED = 529;
/**
 * [proposed: eiocbRetry] kernel-internal, as in Linux 2.6 include/linux/errno.h: "iocb queued, will
 * trigger a retry". Not in 2.5.62 nor in the seed patches, which use -EIOCBQUEUED for both meanings.
 */
export const EIOCBRETRY = 530;

const NAMES: Record<number, string> = { [EINTR]: 'EINTR', [EIO]: 'EIO', [EBADF]: 'EBADF', [EAGAIN]: 'EAGAIN', [ENOMEM]: 'ENOMEM', [EFAULT]: 'EFAULT', [EEXIST]: 'EEXIST', [EINVAL]: 'EINVAL', [EIOCBQUEUED]: 'EIOCBQUEUED', [EIOCBRETRY]: 'EIOCBRETRY' };

/** a return value as the kernel source spells it: -9 -> "-EBADF", 4 -> "4" */
export function errnoName(ret: number): string {
  return ret < 0 && NAMES[-ret] ? `-${NAMES[-ret]}` : String(ret);
}
