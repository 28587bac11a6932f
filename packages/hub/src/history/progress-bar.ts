import { Presets, SingleBar } from 'cli-progress';
import type { ImportKind } from './import-mapping';

/**
 * The import's progress on stderr (cli-progress): how far through the file, records read, the
 * rate and the time left. Off when stderr is not a terminal (scripts, CI) unless asked for.
 */
export class ImportProgressBar {
  readonly #bar: SingleBar | null;
  readonly #started = performance.now();
  readonly #fromRecords: number | null = null;
  #records = 0;

  constructor(show: boolean, kind: ImportKind, totalBytes: number, fromBytes: number) {
    this.#bar = show
      ? new SingleBar(
          {
            format: `${kind.padEnd(8)} |{bar}| {percentage}% | {megabytes}/{totalMegabytes} MB | {records} records, {rate}/s | ETA {eta_formatted}`,
            etaBuffer: 20,
            fps: 4,
            stream: process.stderr,
            noTTYOutput: !process.stderr.isTTY,
          },
          Presets.shades_classic,
        )
      : null;
    this.#bar?.start(Math.max(1, totalBytes), fromBytes, {
      megabytes: (fromBytes / 1e6).toFixed(0),
      totalMegabytes: (totalBytes / 1e6).toFixed(0),
      records: 0,
      rate: 0,
    });
  }

  update(bytes: number, records: number): void {
    if (this.#bar === null) return;
    this.#records = records;
    const seconds = (performance.now() - this.#started) / 1000;
    this.#bar.update(bytes, {
      megabytes: (bytes / 1e6).toFixed(0),
      records,
      rate: seconds > 0 ? Math.round((records - (this.#fromRecords ?? 0)) / seconds) : 0,
    });
  }

  stop(): void {
    this.#bar?.stop();
  }

  get records(): number {
    return this.#records;
  }
}
