// Worker entry of the parallel explorer when no bundle could be built (parallel.ts):
// registers tsx's ESM loader in this thread (workers do not inherit it), then loads
// the model module and the worker code as TypeScript. Slower to start than a bundle.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const M = await import(workerData.module);
const { runWorker } = await import(workerData.workerModule);
runWorker(M);
