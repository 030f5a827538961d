/**
 * A workload of one's own: a JSON file validated against proofs/workload.schema.json
 * (the Workload type of src/engine/workload.ts as a JSON Schema; test/workload-file.test.ts
 * keeps the two in step), then against the machine's limits. And the common family
 * built from flags, without a file: `--iocbs N --pages N --cpus N`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import type { Workload } from '../engine/workload.ts';
import { checkWorkload } from '../engine/setup.ts';
import { WORKLOADS } from '../engine/workloads.ts';

export const WORKLOAD_SCHEMA_PATH = fileURLToPath(new URL('../../proofs/workload.schema.json', import.meta.url));
export const WORKLOAD_SCHEMA = JSON.parse(readFileSync(WORKLOAD_SCHEMA_PATH, 'utf8')) as object;

export class WorkloadFileError extends Error {}

let validate: ReturnType<Ajv['compile']> | undefined;

/** the first schema error as "field: what is wrong" */
function describe(e: ErrorObject): string {
  const field = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(top level)';
  if (e.keyword === 'additionalProperties') return `${field === '(top level)' ? '' : `${field}.`}${(e.params as { additionalProperty: string }).additionalProperty}: unknown field`;
  if (e.keyword === 'required') return `${field === '(top level)' ? '' : `${field}.`}${(e.params as { missingProperty: string }).missingProperty}: missing`;
  if (e.keyword === 'enum') return `${field}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${field}: ${e.message ?? 'invalid'}`;
}

/** a workload from JSON text; throws WorkloadFileError with one line naming the bad field */
export function parseWorkload(text: string, file = 'workload'): Workload {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new WorkloadFileError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  validate ??= new Ajv({ allErrors: false, strict: true }).compile(WORKLOAD_SCHEMA);
  if (!validate(data)) throw new WorkloadFileError(`${file}: ${describe(validate.errors![0])}`);
  const w = data as Workload;
  const cpuOk = (c: number | undefined) => c === undefined || c < w.cpus;
  if (!cpuOk(w.syncReader?.cpu)) throw new WorkloadFileError(`${file}: syncReader.cpu: must be less than cpus (${w.cpus})`);
  if (!cpuOk(w.getevents?.cpu)) throw new WorkloadFileError(`${file}: getevents.cpu: must be less than cpus (${w.cpus})`);
  if (w.workerCpus?.some((c) => !cpuOk(c))) throw new WorkloadFileError(`${file}: workerCpus: every CPU must be less than cpus (${w.cpus})`);
  if (w.getevents && w.getevents.min_nr > w.getevents.nr) throw new WorkloadFileError(`${file}: getevents.min_nr: must not exceed getevents.nr`);
  const err = checkWorkload(w);
  if (err) throw new WorkloadFileError(`${file}: ${err.replace(/^workload [^:]*: /, '')}`);
  return w;
}

export function loadWorkload(path: string): Workload {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new WorkloadFileError(`cannot read workload file ${path}`);
  }
  return parseWorkload(text, path);
}

/**
 * The scaling family: `iocbs` async reads of a whole file of `pages` uncached pages, each
 * page in its own wait-queue bucket, all submitted in one io_submit, io_getevents waiting
 * for all of them (min_nr = nr = iocbs, no timeout), on `cpus` CPUs. The rest is
 * uncached-read's.
 */
export function familyWorkload(iocbs: number, pages: number, cpus?: number): Workload {
  const base = WORKLOADS['uncached-read'];
  const size = pages * base.pageSize;
  const c = cpus ?? base.cpus;
  return {
    ...base,
    name: `scale-${iocbs}iocb-${pages}page${cpus !== undefined ? `-${c}cpu` : ''}`,
    description: `${iocbs} async read${iocbs > 1 ? 's' : ''} of a whole ${pages}-page uncached file, io_getevents(min_nr = nr = ${iocbs})${cpus !== undefined ? `, ${c} CPUs` : ''}`,
    cpus: c,
    fileSize: size,
    cache: Array.from({ length: pages }, () => 'absent' as const),
    buckets: Array.from({ length: pages }, (_, i) => i),
    iocbs: Array.from({ length: iocbs }, () => ({ op: 'pread' as const, offset: 0, nbytes: size })),
    getevents: { min_nr: iocbs, nr: iocbs, timeout: 'none' },
  };
}
