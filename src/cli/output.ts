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
    throw new UsageError(`cannot write ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** makes `dir` (checked first) and writes each file into it whole */
export function writeOutputDir(dir: string, files: { name: string; text: string }[], what = 'output directory'): void {
  checkOutputDir(dir, what);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot make ${what} ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  for (const f of files) writeOutputFile(join(dir, f.name), f.text);
}
