import { Worker } from 'node:worker_threads';

/**
 * A worker thread running one of this folder's modules (`name`: its file name without extension)
 * with `data` (`heap`: its old and young generations' limits). From the TypeScript sources (tests, `npx
 * tsx`), the worker first registers tsx's loader, then loads the module.
 */
export function historyWorker(
  name: string,
  data: unknown,
  heap?: { oldMb: number; youngMb: number },
): Worker {
  const limits =
    heap === undefined
      ? {}
      : { resourceLimits: { maxOldGenerationSizeMb: heap.oldMb, maxYoungGenerationSizeMb: heap.youngMb } };
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(`./${name}.${fromSources ? 'ts' : 'js'}`, import.meta.url);
  return fromSources
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`,
        { eval: true, workerData: data, ...limits },
      )
    : new Worker(url, { workerData: data, ...limits });
}
