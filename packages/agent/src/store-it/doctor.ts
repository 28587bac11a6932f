import { accessSync, constants, existsSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLedgerStore } from '@tillpoint/ledger/store';
import { createTransport, queryStatus } from '@tillpoint/printer';
import { listDevices } from '@tillpoint/scanner';
import type { AgentConfig } from '../config/agent-config';
import { isLoopbackHost } from '../config/head-office-url';
import { type LoadedConfig, loadConfig } from '../config/load-config';
import { readProgram } from '../config/load-program';
import { repoRootDir } from '../package-dirs';
import { bundleFreshness } from '../run/bundle-freshness';
import { checkSync } from '../sync/sync-doctor';
import { configModeAdvice } from './service-install';

export type CheckLevel = 'ok' | 'warn' | 'fail';
export interface Check {
  level: CheckLevel;
  what: string;
  detail: string;
}

export interface DoctorReport {
  healthy: boolean;
  checks: Check[];
}

const diskWarnBytes = 1024 ** 3;

/** Runs every check, printing each line through `say`; false when anything failed (warnings pass). */
export async function runDoctor(configPath: string, say: (line: string) => void): Promise<boolean> {
  return (await diagnose(configPath, say)).healthy;
}

/**
 * Everything store IT would check on a till, in order, each with what to do when it fails.
 * `healthy` is false when anything failed (warnings pass).
 */
export async function diagnose(
  configPath: string,
  say: (line: string) => void = () => {},
): Promise<DoctorReport> {
  const checks: Check[] = [];
  const report = (level: CheckLevel, what: string, detail: string) => {
    checks.push({ level, what, detail });
    say(`${level === 'ok' ? 'ok  ' : level === 'warn' ? 'WARN' : 'FAIL'}  ${what}: ${detail}`);
  };

  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(configPath);
    report('ok', 'config', loaded.file);
  } catch (error) {
    report('fail', 'config', (error as Error).message);
    return { healthy: false, checks };
  }
  const { config, paths } = loaded;

  const modeAdvice = configModeAdvice(loaded.file, statSync(loaded.file).mode);
  if (modeAdvice !== undefined) report('warn', 'config permissions', modeAdvice);

  const program = await readProgram(loaded);
  if (program.ok) report('ok', 'program', `${paths.programFile} (version ${program.value.versionId})`);
  else report('fail', 'program', program.message);
  checkCardRanges(config, loaded.file, report);

  await checkDataDir(paths.dataDir, report);
  checkLedger(config, paths.ledgerFile, report);
  await checkScanners(config, report);
  await checkPrinter(config, report);
  await checkHeadOffice(config, report);
  checkSync(config, paths.dataDir, report);
  checkClock(report);
  checkBundle(report);
  await checkRunningAgent(config, report);

  const failed = checks.filter((c) => c.level === 'fail').length;
  const warned = checks.filter((c) => c.level === 'warn').length;
  say(
    `\n${failed === 0 ? 'healthy' : 'problems found'}: ${checks.length - failed - warned} ok, ${warned} warnings, ${failed} failures`,
  );
  return { healthy: failed === 0, checks };
}

type Report = (level: CheckLevel, what: string, detail: string) => void;

/** Each range's own mistakes are refused with the config; an empty list passes the schema but tells no card from a product. */
function checkCardRanges(config: AgentConfig, file: string, report: Report): void {
  if (config.cardRanges.length === 0) {
    report(
      'fail',
      'card ranges',
      `${file}: cardRanges is empty: no scan is taken for a loyalty card, and any code the POS passes is taken for one. Add your cards' ranges (prefix, length, check), as in the starter config`,
    );
    return;
  }
  const ranges = config.cardRanges.map(
    (r) => `${r.name ?? r.prefix}: ${r.prefix}…, ${r.length} long, ${r.check}`,
  );
  report('ok', 'card ranges', ranges.join('; '));
}

async function checkDataDir(dir: string, report: Report): Promise<void> {
  try {
    if (!existsSync(dir)) {
      report('warn', 'data directory', `${dir} does not exist yet; the agent creates it on start`);
      return;
    }
    const probe = join(dir, `.doctor-${process.pid}`);
    writeFileSync(probe, 'x');
    rmSync(probe);
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    const freeText = `${(free / 1024 ** 3).toFixed(1)} GiB free`;
    if (free < diskWarnBytes)
      report(
        'warn',
        'data directory',
        `${dir} writable but only ${freeText}: free some space, the outbox grows while offline`,
      );
    else report('ok', 'data directory', `${dir} writable, ${freeText}`);
  } catch (error) {
    report(
      'fail',
      'data directory',
      `${dir}: ${(error as Error).message}; make it writable by the agent's user`,
    );
  }
}

function checkLedger(config: AgentConfig, file: string, report: Report): void {
  if (!existsSync(file)) {
    report('warn', 'ledger', `${file} does not exist yet; the agent creates it on start`);
    return;
  }
  try {
    const ledger = openLedgerStore({ path: file, tillId: config.tillId });
    try {
      const integrity = ledger.checkIntegrity();
      const chain = ledger.verifyOutboxChain();
      const head = ledger.outboxHead();
      if (!integrity.ok) report('fail', 'ledger', `${file}: ${integrity.problems.join('; ')}`);
      else if (!chain.ok)
        report('fail', 'ledger', `${file}: outbox chain broken at seq ${chain.seq}: ${chain.reason}`);
      else
        report(
          'ok',
          'ledger',
          `${file}: integrity ok, ${head.lastSeq} entries, ${head.pending} not yet at head office`,
        );
    } finally {
      ledger.close();
    }
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    if (code === 'database_locked') {
      // The running agent holds the file; it checked integrity and invariants when it opened it.
      report(
        'ok',
        'ledger',
        `${file} is open in the running agent (checked when it started; see "agent" below)`,
      );
      return;
    }
    report('fail', 'ledger', `${code}: ${(error as Error).message}`);
  }
}

async function checkScanners(config: AgentConfig, report: Report): Promise<void> {
  if (config.scanners.length === 0) {
    report(
      'warn',
      'scanners',
      'none configured: the POS must pass card codes itself (run "tillpoint devices" to find scanners)',
    );
    return;
  }
  let hid: Awaited<ReturnType<typeof listDevices>> | undefined;
  for (const [i, s] of config.scanners.entries()) {
    const what = `scanner ${i} (${s.kind})`;
    if (s.kind === 'serial') {
      const path = s.path ?? (s.byId === undefined ? undefined : `/dev/serial/by-id/${s.byId}`);
      if (path === undefined) {
        report('fail', what, 'give "path" or "byId"');
        continue;
      }
      try {
        accessSync(path, constants.R_OK | constants.W_OK);
        report('ok', what, `${path} present and openable`);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        report(
          'fail',
          what,
          code === 'ENOENT'
            ? `${path} not present: plug the scanner in, or check the name with "tillpoint devices"`
            : `${path}: ${code}: add the agent's user to the dialout group`,
        );
      }
      continue;
    }
    const listingProblems: string[] = [];
    try {
      hid ??= await listDevices({ warn: (m) => listingProblems.push(m) });
    } catch (error) {
      listingProblems.push((error as Error).message);
    }
    const hidProblem = listingProblems.find((m) => m.includes('HID'));
    if (hid === undefined || hidProblem !== undefined) {
      report(
        'fail',
        what,
        hidProblem ?? listingProblems[0] ?? 'cannot list HID devices (install libusb-1.0-0)',
      );
      continue;
    }
    const match = hid.find(
      (d) =>
        d.transport === 'hid' &&
        (s.path === undefined || d.path === s.path) &&
        (s.vendorId === undefined || d.vendorId === s.vendorId) &&
        (s.productId === undefined || d.productId === s.productId),
    );
    if (match === undefined)
      report(
        'fail',
        what,
        'no matching HID device: plug it in, check vendorId/productId with "tillpoint devices"',
      );
    else {
      try {
        accessSync(match.path, constants.R_OK | constants.W_OK);
        report('ok', what, `${match.path} ${match.product ?? ''}`.trim());
      } catch {
        report(
          'fail',
          what,
          `${match.path}: permission denied: install drivers/scanner/udev/*.rules and replug`,
        );
      }
    }
  }
}

async function checkPrinter(config: AgentConfig, report: Report): Promise<void> {
  if (config.printer === undefined) {
    report('warn', 'printer', 'none configured: slips go to the POS as text only');
    return;
  }
  const transport = createTransport(config.printer);
  try {
    await transport.connect();
    if (!transport.answersStatus) {
      report('ok', 'printer', `${transport.description} opened (it does not report status)`);
      return;
    }
    const status = await queryStatus(transport, 1500);
    const problems = Object.entries(status)
      .filter(([, v]) => v === true)
      .map(([k]) => k);
    report(
      problems.length === 0 ? 'ok' : 'warn',
      'printer',
      `${transport.description}: ${problems.length === 0 ? 'ready' : problems.join(', ')}`,
    );
  } catch (error) {
    report(
      'fail',
      'printer',
      `${transport.description}: ${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}`,
    );
  } finally {
    await transport.close().catch(() => undefined);
  }
}

async function checkHeadOffice(config: AgentConfig, report: Report): Promise<void> {
  if (config.headOffice === undefined) {
    report('warn', 'head office', 'no headOffice.url: this till works alone (no sync)');
    return;
  }
  const url = new URL(config.headOffice.url);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    report(
      'warn',
      'head office',
      `${config.headOffice.url} is plain HTTP, allowed by headOffice.allowPlainHttp for a lab: never on a shop's network`,
    );
  try {
    const answer = await fetch(new URL('/v1/health', config.headOffice.url), {
      signal: AbortSignal.timeout(3000),
    });
    const date = answer.headers.get('date');
    const skewMs = date === null ? 0 : Math.abs(Date.parse(date) - Date.now());
    report(answer.ok ? 'ok' : 'warn', 'head office', `${config.headOffice.url} answered ${answer.status}`);
    if (skewMs > 120_000)
      report(
        'warn',
        'clock',
        `this till's clock is ${Math.round(skewMs / 1000)} s off head office: enable NTP (timedatectl set-ntp true)`,
      );
  } catch (error) {
    report(
      'warn',
      'head office',
      `${config.headOffice.url} not reachable (${(error as Error).message}); sales go on, sync waits`,
    );
  }
}

function checkClock(report: Report): void {
  const year = new Date().getUTCFullYear();
  if (year < 2024)
    report(
      'fail',
      'clock',
      `the clock says ${new Date().toISOString()}: set the date (timedatectl), points would vest and expire wrongly`,
    );
  else report('ok', 'clock', new Date().toISOString());
}

/** The bundle the service runs (when built) must not be older than the sources. */
function checkBundle(report: Report): void {
  const bundle = bundleFreshness(repoRootDir);
  if (bundle.state === 'none') return;
  const built = new Date(bundle.builtAt).toISOString();
  if (bundle.state === 'fresh')
    report('ok', 'bundled agent', `packages/agent/dist/tillpoint.mjs, built ${built}`);
  else
    report(
      'warn',
      'bundled agent',
      `built ${built}, older than ${bundle.newest.file} (changed ${new Date(bundle.newest.changedAt).toISOString()}): the service runs the old agent; run npx --yes pnpm@10 build, then systemctl restart tillpoint`,
    );
}

async function checkRunningAgent(config: AgentConfig, report: Report): Promise<void> {
  try {
    const answer = await fetch(`http://127.0.0.1:${config.api.port}/v1/health`, {
      headers: { authorization: `Bearer ${config.api.token}` },
      signal: AbortSignal.timeout(1500),
    });
    const body = (await answer.json()) as {
      status?: string;
      loyalty?: { available: boolean; problem?: string };
    };
    if (answer.status === 401)
      report(
        'fail',
        'agent',
        `port ${config.api.port} refuses this config's token: another agent or another config?`,
      );
    else if (body.loyalty?.available === false)
      report('fail', 'agent', `running, but loyalty is off: ${body.loyalty.problem ?? 'unknown'}`);
    else report('ok', 'agent', `running on 127.0.0.1:${config.api.port}, ${body.status ?? 'ok'}`);
  } catch {
    report(
      'warn',
      'agent',
      `not running on 127.0.0.1:${config.api.port} (start it: tillpoint start, or systemctl start tillpoint)`,
    );
  }
}
