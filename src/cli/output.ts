/**
 * Writing the commands' output files (check --save DIR and --html FILE, trace --out,
 * review --html, random --out): the target is checked before any exploration starts,
 * so that a long run is not lost at its end, and each file is written whole to a
 * temporary file in the target's own directory and renamed over the target, with the
 * temporary file removed on any failure. Nothing half-written is left behind.
 */
import { accessSync, constants, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './args.ts';

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};
/** a failed write's reason in words, with its errno name */
const reason = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system', ENOENT: 'no such file or directory (the file system does not let it be made)', ENOSPC: 'no space left on device', ENOTDIR: 'a part of the path is not a directory', EISDIR: 'it is a directory' };
  return code ? `${words[code] ?? 'write failed'} (${code})` : (e as Error).message;
};
const exists = (p: string) => {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
};

/** throws a UsageError unless `file` can be written: its directory exists and is writable, and it is not a directory */
export function checkOutputFile(file: string, what = 'output'): void {
  const abs = resolve(file);
  if (isDir(abs)) throw new UsageError(`cannot write ${what} ${file}: it is a directory`);
  const dir = dirname(abs);
  if (!exists(dir)) throw new UsageError(`cannot write ${what} ${file}: directory ${dirname(file)} does not exist`);
  if (!isDir(dir)) throw new UsageError(`cannot write ${what} ${file}: ${dirname(file)} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
    if (exists(abs)) accessSync(abs, constants.W_OK);
  } catch {
    throw new UsageError(`cannot write ${what} ${file}: permission denied`);
  }
}

/** throws a UsageError unless `dir` is (or can be made as) a writable directory; makes it only when writing */
export function checkOutputDir(dir: string, what = 'output directory'): void {
  const abs = resolve(dir);
  if (exists(abs)) {
    if (!isDir(abs)) throw new UsageError(`cannot write into ${what} ${dir}: it is not a directory`);
    try {
      accessSync(abs, constants.W_OK);
    } catch {
      throw new UsageError(`cannot write into ${what} ${dir}: permission denied`);
    }
    return;
  }
  // the nearest ancestor that exists must be a writable directory
  let up = dirname(abs);
  while (!exists(up) && dirname(up) !== up) up = dirname(up);
  if (!isDir(up)) throw new UsageError(`cannot make ${what} ${dir}: ${up} is not a directory`);
  try {
    accessSync(up, constants.W_OK);
  } catch {
    throw new UsageError(`cannot make ${what} ${dir}: permission denied in ${up}`);
  }
  // and the file system lets a directory be made there (/proc, /sys, a read-only mount do not): try it, then take it away
  let first = abs;
  while (dirname(first) !== up) first = dirname(first);
  try {
    mkdirSync(first);
  } catch (e) {
    throw new UsageError(`cannot make ${what} ${dir}: ${reason(e)}`);
  }
  rmSync(first, { recursive: true, force: true });
}

/** writes `text` to `file` whole: a temporary file beside it, renamed over it; removed on failure */
export function writeOutputFile(file: string, text: string, what = 'output'): void {
  checkOutputFile(file, what);
  const abs = resolve(file);
  const tmp = join(dirname(abs), `.${basename(abs)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, abs);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UsageError(`cannot write ${what} ${file}: ${reason(e)}`);
  }
}

/** mkdir -p one level at a time (Node's recursive mkdirSync never returns for some paths, e.g. under /proc) */
function makeDirs(abs: string): void {
  if (isDir(abs)) return;
  const up = dirname(abs);
  if (up !== abs) makeDirs(up);
  mkdirSync(abs);
}

/** the file writeOutputDir writes last: a set of files without it (or with an older one removed first) was interrupted */
export const MANIFEST = 'MANIFEST.json';

/**
 * makes `dir` (checked first) and writes each file into it whole, then MANIFEST.json
 * naming them: a manifest from an earlier run is removed before the first file, so a
 * directory whose manifest is missing or does not name a file holds an interrupted set
 */
export function writeOutputDir(dir: string, files: { name: string; text: string }[], what = 'output directory'): void {
  checkOutputDir(dir, what);
  try {
    makeDirs(resolve(dir));
    rmSync(join(dir, MANIFEST), { force: true });
  } catch (e) {
    throw new UsageError(`cannot make ${what} ${dir}: ${reason(e)}`);
  }
  for (const f of files) writeOutputFile(join(dir, f.name), f.text);
  writeOutputFile(join(dir, MANIFEST), JSON.stringify({ complete: true, written: new Date().toISOString(), files: files.map((f) => f.name) }, null, 1) + '\n');
}
