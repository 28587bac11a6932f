import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AdminApiOptions } from '../src/admin/admin-plugin';
import type { AdminStore } from '../src/admin/admin-store';
import { createUser } from '../src/admin/create-user';
import { openAdminStore } from '../src/admin/open-admin-store';
import { PasswordHasher } from '../src/admin/password-hash';
import type { Role } from '../src/admin/roles';
import { buildHubServer } from '../src/hub-server';
import type { HubStore } from '../src/hub-store';
import { openHubStore } from '../src/open-hub-store';
import { openReportStore } from '../src/reports/open-report-store';
import type { ReportStore } from '../src/reports/report-store';
import { generateHubKeys } from '../src/rule-signing';

/** Tests hash with N = 2^10 (fast); the scrypt code path is the same as with the default. */
export const cheapHasher = () => new PasswordHasher({ logN: 10, r: 8, p: 1 });

export const t0 = Date.UTC(2026, 11, 1, 9, 0, 0);
export const strongPassword = (login: string) => `${login}-violet-tram-47`;

export interface TestClock {
  t: number;
  nowMs(): number;
}

export interface AdminHub {
  app: FastifyInstance;
  admin: AdminStore;
  hub: HubStore;
  reports: ReportStore;
  clock: TestClock;
  /** Creates an account (as `tillpoint-hub user add` does) and returns its id. */
  addUser(login: string, role: Role, stores?: string[]): Promise<string>;
  close(): Promise<void>;
}

/** A hub with the admin API on a fresh SQLite file, or in a fresh PostgreSQL schema at `pgUrl`. */
export async function openAdminHub(
  o: { pgUrl?: string; admin?: Partial<AdminApiOptions> } = {},
): Promise<AdminHub> {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-admin-api-'));
  const schema = `admin_api_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const database = o.pgUrl ?? join(dir, 'hub.sqlite');
  const options = o.pgUrl ? { schema } : {};
  const hub = await openHubStore(database, options);
  const admin = await openAdminStore(database, options);
  const reports = await openReportStore(database, options);
  const clock: TestClock = { t: t0, nowMs: () => clock.t };
  const hasher = cheapHasher();
  const app = buildHubServer({
    store: hub,
    keys: generateHubKeys(),
    clock,
    admin: { store: admin, reports, clock, hasher, ...o.admin },
  });
  await app.ready();
  return {
    app,
    admin,
    hub,
    reports,
    clock,
    async addUser(login, role, stores = []) {
      const made = await createUser(
        admin,
        { login, role, stores, password: strongPassword(login) },
        { hasher, clock },
      );
      if (!made.ok) throw new Error(made.message);
      return made.user.id;
    },
    async close() {
      await app.close();
      if (o.pgUrl && admin.kind === 'postgres') {
        const { pool } = admin as unknown as { pool: import('pg').Pool };
        await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      }
      await reports.close();
      await admin.close();
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  body: Record<string, unknown> & { code?: string };
  text: string;
  headers: Record<string, string | string[] | number | undefined>;
}

/** A browser-like client: keeps the session cookie, sends the CSRF token on writes. */
export class AdminClient {
  cookie: string | null = null;
  csrf: string | null = null;

  constructor(
    readonly app: FastifyInstance,
    readonly address = '127.0.0.1',
  ) {}

  async call(
    method: string,
    url: string,
    body?: unknown,
    o: { csrf?: string | null; contentType?: string; raw?: string } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    const csrf = o.csrf === undefined ? this.csrf : o.csrf;
    if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
    if (body !== undefined || o.raw !== undefined)
      headers['content-type'] = o.contentType ?? 'application/json';
    const response = await this.app.inject({
      method: method as 'GET',
      url: url.startsWith('/admin') ? url : `/admin/v1${url}`,
      headers,
      remoteAddress: this.address,
      ...(o.raw !== undefined
        ? { payload: o.raw }
        : body !== undefined
          ? { payload: JSON.stringify(body) }
          : {}),
    });
    const setCookie = response.headers['set-cookie'];
    const value = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    if (value) {
      const [pair] = value.split(';');
      this.cookie = /Max-Age=0/.test(value) ? null : (pair as string);
    }
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(response.body) as Record<string, unknown>;
    } catch {
      // CSV or empty
    }
    if (typeof parsed.csrfToken === 'string') this.csrf = parsed.csrfToken;
    return { status: response.statusCode, body: parsed, text: response.body, headers: response.headers };
  }

  async signIn(login: string, password = strongPassword(login)): Promise<Answer> {
    return this.call('POST', '/sign-in', { login, password });
  }
}

/** RFC 6238 TOTP written apart from src/admin/totp.ts (SHA-1, 6 digits, 30 s): the tests' oracle. */
export function expectedCode(base32: string, atMs: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...base32].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => Number.parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = (mac.at(-1) as number) & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
