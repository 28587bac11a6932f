import { Worker } from 'node:worker_threads';

/**
 * A worker thread running one of this folder's modules (`name`: its file name without extension)
 * with `data` (`heapMb`: its old generation's limit). From the TypeScript sources (tests, `npx
 * tsx`), the worker first registers tsx's loader, then loads the module.
 */
export function historyWorker(name: string, data: unknown, heapMb?: number): Worker {
  const limits = heapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: heapMb } };
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(`./${name}.${fromSources ? 'ts' : 'js'}`, import.meta.url);
  return fromSources
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`,
        { eval: true, workerData: data, ...limits },
      )
    : new Worker(url, { workerData: data, ...limits });
}
