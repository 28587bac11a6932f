import { EventEmitter, once } from 'node:events';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type JournalKey, newEnrolCode, SqliteHubStore, sha256Hex } from '@tillpoint/hub';
import type { OutboxEntry } from '@tillpoint/ledger';
import { startVirtualPrinter, type VirtualPrinter } from '@tillpoint/printer';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import { enrolWithHub } from '../../src/sync/hub-credential';
import { type Answer, callAgent } from './pos-workload';
import { type CutReport, PowerCutDisk, type Writeback } from './power-cut-disk';
import { TapProxy } from './tap-proxy';
import { readLedger, readPrintJobs } from './till-files';

const fixtures = fileURLToPath(new URL('../../../../fixtures/', import.meta.url));

/** What the taps saw: a push reaching the hub, its answer, a print's status request, its first job bytes. */
interface TrafficEvents {
  push: [];
  pushAnswered: [];
  printStatus: [];
  printJob: [];
}

/** What the till's disk held after a cut, read while the agent was down. */
export interface TillState {
  entries: OutboxEntry[];
  problems: string[];
  /** print_job rows of agent.sqlite: job id → state. */
  printJobs: Map<string, string>;
}

/**
 * A till and its head office, each a real process on a disk of its own that can lose power:
 * the agent (bundled, as on a register) with its ledger and agent.sqlite, printing to a
 * virtual printer over TCP; the SQLite hub receiving its pushes. Taps on both connections
 * let the test time its cuts: during a push, during a print.
 */
export class PowerLossRig {
  readonly traffic = new EventEmitter<TrafficEvents>();
  /** The highest `ackedThrough` head office sent the till: acknowledged, so never to be lost. */
  ackedByHub = 0;
  readonly tillDisk: PowerCutDisk;
  readonly hubDisk: PowerCutDisk;
  agent!: AgentProcess;
  hub!: HubProcess;
  printer!: VirtualPrinter;
  private readonly taps: TapProxy[] = [];
  private downTail = '';

  private constructor(
    readonly home: string,
    readonly tillId: string,
    readonly token: string,
  ) {
    this.tillDisk = new PowerCutDisk(join(home, 'till', 'data'));
    this.hubDisk = new PowerCutDisk(join(home, 'hub'));
  }

  get hubDb(): string {
    return join(this.hubDisk.root, 'hub.sqlite');
  }

  static async start(o: {
    bundle: string;
    hubBundle: string;
    tillId: string;
    token: string;
  }): Promise<PowerLossRig> {
    const rig = new PowerLossRig(mkdtempSync(join(tmpdir(), 'tillpoint-power-')), o.tillId, o.token);
    await rig.setUp(o.bundle, o.hubBundle);
    return rig;
  }

  private async setUp(bundle: string, hubBundle: string): Promise<void> {
    const storeId = 's1';
    const code = newEnrolCode();
    const store = new SqliteHubStore(this.hubDb);
    await store.addTill({
      storeId,
      tillId: this.tillId,
      codeHash: sha256Hex(code),
      codeExpiresAt: Date.now() + 60_000,
    });
    await store.close();
    const hubPort = await freePort();
    const key = join(this.hubDisk.root, 'hub-signing.pem');
    // Installation (outside the power's reach): the hub's first start creates its key, the till enrols.
    const installing = new HubProcess(this.hubDb, key, hubPort, { bundle: hubBundle });
    await installing.start();
    await enrolWithHub({
      url: installing.url,
      code,
      tillId: this.tillId,
      credentialFile: join(this.tillDisk.root, 'hub-credential.json'),
    });
    await installing.kill('SIGTERM');
    this.hubDisk.markDurable();
    this.tillDisk.markDurable();
    this.hub = new HubProcess(this.hubDb, key, hubPort, { bundle: hubBundle, env: this.hubDisk.env() });
    await this.hub.start();

    const started = await startVirtualPrinter();
    this.printer = started.printer;
    const seen = new Set<string>();
    const printerTap = new TapProxy(started.port, (direction, chunk, connection) => {
      // Our transports ask DLE EOT 1, 2, 4 first, three bytes each (the job is marked `sending`
      // after the answers); anything else is the job.
      const status = chunk.length % 3 === 0 && chunk[0] === 0x10 && chunk[1] === 0x04;
      const event = status ? 'printStatus' : 'printJob';
      if (direction === 'up' && !seen.has(`${connection}/${event}`)) {
        seen.add(`${connection}/${event}`);
        this.traffic.emit(event);
      }
    });
    const hubTap = new TapProxy(hubPort, (direction, chunk) => {
      if (direction === 'up' && chunk.includes('POST /v1/sync/push')) this.traffic.emit('push');
      if (direction === 'down') this.readAcks(chunk);
    });
    this.taps.push(printerTap, hubTap);
    const printerPort = await printerTap.start();
    const hubTapPort = await hubTap.start();

    const tillHome = join(this.home, 'till');
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(tillHome, 'program.json'));
    const apiPort = await freePort();
    const config = writeConfig(tillHome, {
      port: apiPort,
      token: this.token,
      storeId,
      tillId: this.tillId,
      printerYaml: `printer:\n  transport: tcp\n  host: 127.0.0.1\n  port: ${printerPort}\n  profile: TM-T20II\n  columns: 42`,
    });
    appendFileSync(
      config,
      `\nheadOffice:\n  url: http://127.0.0.1:${hubTapPort}\n  intervalSeconds: 1\n  backoffMaxSeconds: 1\n  requestTimeoutSeconds: 3\n  batchEntriesMax: 5\n`,
    );
    mkdirSync(this.tillDisk.root, { recursive: true });
    this.agent = new AgentProcess(config, `http://127.0.0.1:${apiPort}`, this.token, bundle, {
      env: this.tillDisk.env(),
    });
    await this.agent.start();
  }

  /** `"ackedThrough":N` in what head office sent back (a push's answer, or batch_replayed). */
  private readAcks(chunk: Buffer): void {
    const text = this.downTail + chunk.toString('latin1');
    for (const match of text.matchAll(/"ackedThrough":(\d+)/g)) {
      this.ackedByHub = Math.max(this.ackedByHub, Number(match[1]));
      this.traffic.emit('pushAnswered');
    }
    this.downTail = text.slice(-40);
  }

  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer | undefined> {
    return callAgent(this.agent.url, this.token, method, path, body);
  }

  /** The till loses power: SIGKILL, then its disk keeps only what was durable. */
  async cutTill(writeback: Writeback, random: () => number): Promise<CutReport> {
    await this.agent.stop('SIGKILL');
    return this.tillDisk.cut(writeback, random);
  }

  /** Head office loses power (the till keeps running and retries its pushes). */
  async cutHub(writeback: Writeback, random: () => number): Promise<CutReport> {
    await this.hub.kill('SIGKILL');
    return this.hubDisk.cut(writeback, random);
  }

  /**
   * Reads the till's files while the agent is down, through the ledger store the agent opens
   * them with (integrity check and invariants), then declares the state durable.
   */
  readTill(): TillState {
    const ledger = readLedger(this.tillDisk.root, this.tillId);
    const printJobs = readPrintJobs(this.tillDisk.root);
    this.tillDisk.markDurable();
    return { ...ledger, printJobs };
  }

  /** Reads head office's journal while the hub is down, then declares the state durable. */
  async readHub(): Promise<{ keys: JournalKey[]; unbalanced: string[] }> {
    const store = new SqliteHubStore(this.hubDb);
    try {
      return { keys: await store.journalKeys(1_000_000), unbalanced: await store.unbalancedCards(10) };
    } finally {
      await store.close();
      this.hubDisk.markDurable();
    }
  }

  /** Resolves at the next `event`, or after `timeoutMs` (false then). */
  async next(event: keyof TrafficEvents, timeoutMs: number): Promise<boolean> {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      await once(this.traffic, event, { signal: timeout });
      return true;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    await this.agent?.stop('SIGTERM');
    await this.hub?.kill('SIGTERM');
    for (const tap of this.taps) await tap.stop();
    await this.printer?.stop();
    this.tillDisk.dispose();
    this.hubDisk.dispose();
    rmSync(this.home, { recursive: true, force: true });
  }
}
