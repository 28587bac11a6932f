import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'security-token-0123456789abcdefgh';
const card = '2000000000015';
const line = (id: string, amountMinor: number) => ({
  id,
  sku: `sku-${id}`,
  quantity: 1,
  unitPriceMinor: amountMinor,
  amountMinor,
});

interface RawAnswer {
  status: number;
  body: string;
}

/**
 * One HTTP/1.1 request written byte for byte on a socket: fetch would normalise the very
 * request targets an attacker sends (`/%761/…`, absolute URLs, a foreign Host).
 */
function raw(port: number, head: string, body = ''): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    const length =
      body === '' ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
    socket.end(`${head}\r\n${length}Connection: close\r\n\r\n${body}`);
  });
}

/**
 * The holes found by trying the local API as an attacker would (issue 12), each against a real
 * `tillpoint start` process. Every case here passed on the code before the fix.
 */
describe('local API security', () => {
  let dir: string;
  let dataDir: string;
  let agent: AgentProcess;
  let port: number;
  let host: string;

  const api = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const answer = await fetch(`${agent.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...extra,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };
  const spendable = async () => {
    const info = await api('GET', `/v1/cards/${card}`);
    return info.status === 200 ? (info.body.spendablePoints as number) : 0;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tillpoint-security-'));
    dataDir = join(dir, 'data');
    copyFileSync(join(fixtures, 'programs/spend-up-to-20-percent.json'), join(dir, 'program.json'));
    port = await freePort();
    host = `127.0.0.1:${port}`;
    const config = writeConfig(dir, { port, token, storeId: 's1', tillId: 't1' });
    agent = new AgentProcess(config, `http://${host}`, token);
    await agent.start();
    // A card with points to steal: 5 % of 2,000.00 RUB = 100 points.
    const sale = await api('POST', '/v1/sales', {
      idempotencyKey: 'seed-sale-1',
      receiptId: 'SEED-1',
      cardCode: card,
      basket: { currency: 'RUB', lines: [line('1', 200_000)] },
    });
    expect(sale.status).toBe(200);
    expect(await spendable()).toBe(100);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const spendBody = JSON.stringify({
    idempotencyKey: 'attack-sale-1',
    receiptId: 'ATTACK-1',
    cardCode: card,
    basket: { currency: 'RUB', lines: [line('1', 10_000)] },
    spendPoints: 10,
  });

  it('authenticates the route the router matched, not a prefix of the raw URL', async () => {
    for (const target of ['/%761/health', '/%76%31/health', '/v1%2Fhealth', '//v1/health']) {
      const answer = await raw(port, `GET ${target} HTTP/1.1\r\nHost: ${host}`);
      expect([401, 404], target).toContain(answer.status);
      expect(answer.body, target).not.toContain('programVersion');
    }
    const sale = await raw(port, `POST /%761/sales HTTP/1.1\r\nHost: ${host}`, spendBody);
    expect(sale.status).toBe(401);
    const backup = await raw(port, `POST /%761/admin/backup HTTP/1.1\r\nHost: ${host}`, '{}');
    expect(backup.status).toBe(401);
    expect(existsSync(join(dataDir, 'backups'))).toBe(false);
    expect(await spendable()).toBe(100);
  });

  it('refuses an absolute-form request target', async () => {
    const answer = await raw(port, `GET http://${host}/v1/health HTTP/1.1\r\nHost: ${host}`);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'invalid_request' });
  });

  it('refuses a foreign Host on every route, with or without the token (DNS rebinding)', async () => {
    const rebound = await raw(
      port,
      `POST /v1/sales HTTP/1.1\r\nHost: evil.example\r\nOrigin: http://evil.example`,
      spendBody,
    );
    expect(rebound.status).toBe(403);
    const withToken = await raw(
      port,
      `GET /v1/health HTTP/1.1\r\nHost: evil.example:${port}\r\nAuthorization: Bearer ${token}`,
    );
    expect(withToken.status).toBe(403);
    const page = await raw(port, `GET / HTTP/1.1\r\nHost: evil.example`);
    expect(page.status).toBe(403);
    expect(await spendable()).toBe(100);
    // Our own names still work, for the page and for the POS.
    expect((await raw(port, `GET / HTTP/1.1\r\nHost: localhost:${port}`)).status).toBe(200);
    expect((await raw(port, `GET /openapi.json HTTP/1.1\r\nHost: ${host}`)).status).toBe(200);
  });

  it('writes backups only as a file name under <dataDir>/backups, mode 0600', async () => {
    const elsewhere = join(dir, 'cron.d', 'evil');
    for (const body of [
      { to: elsewhere },
      { name: '../escape.sqlite' },
      { name: '/etc/x' },
      { name: '.hidden' },
    ]) {
      const refused = await api('POST', '/v1/admin/backup', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.code).toBe('invalid_request');
    }
    expect(existsSync(join(dir, 'cron.d'))).toBe(false);
    expect(existsSync(join(dir, 'escape.sqlite'))).toBe(false);
    const made = await api('POST', '/v1/admin/backup', { name: 'nightly.sqlite' });
    expect(made.status).toBe(200);
    expect(made.body.path).toBe(join(dataDir, 'backups', 'nightly.sqlite'));
    expect(statSync(join(dataDir, 'backups', 'nightly.sqlite')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'backups')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dataDir, 'backups'))).toEqual(['nightly.sqlite']);
  });

  it('refuses a receipt id with control characters before anything is booked', async () => {
    const before = await spendable();
    const sale = await api('POST', '/v1/sales', {
      idempotencyKey: 'ctrl-receipt-1',
      receiptId: 'R-2\n',
      cardCode: card,
      basket: { currency: 'RUB', lines: [line('1', 10_000)] },
      spendPoints: 10,
    });
    expect(sale.status).toBe(400);
    expect(sale.body.code).toBe('invalid_request');
    expect(await spendable()).toBe(before);
    const slip = await api('GET', `/v1/sales/${encodeURIComponent('R-2\n')}/slip`);
    expect(slip.status).toBe(400);
  });

  it('answers bad baskets with a 4xx and a stable code on quote, reservations and sales', async () => {
    const usd = { currency: 'USD', lines: [line('1', 10_000)] };
    const routes = [
      ['/v1/quote', { cardCode: card, basket: usd }],
      ['/v1/reservations', { idempotencyKey: 'usd-hold-1', cardCode: card, basket: usd, spendPoints: 5 }],
      ['/v1/sales', { idempotencyKey: 'usd-sale-1', receiptId: 'USD-1', cardCode: card, basket: usd }],
    ] as const;
    for (const [path, body] of routes) {
      const answer = await api('POST', path, body);
      expect(answer.status, path).toBe(422);
      expect(answer.body.code, path).toBe('currency_mismatch');
    }
    // Lines whose total would pass 2^53 − 1: refused by the schema, never summed.
    const huge = { currency: 'RUB', lines: [line('1', 2 ** 52), line('2', 2 ** 52), line('3', 2 ** 52)] };
    const total = await api('POST', '/v1/quote', { cardCode: card, basket: huge });
    expect(total.status).toBe(400);
    expect(total.body.code).toBe('invalid_request');
    // 2 × 100.00 that claims to be worth 9,999.99: it would have earned 499 points.
    const inflated = {
      currency: 'RUB',
      lines: [{ id: '1', sku: 'tea', quantity: 2, unitPriceMinor: 10_000, amountMinor: 999_999 }],
    };
    const lie = await api('POST', '/v1/sales', {
      idempotencyKey: 'inflated-sale-1',
      receiptId: 'INFLATED-1',
      cardCode: card,
      basket: inflated,
    });
    expect(lie.status).toBe(400);
    expect(JSON.stringify(lie.body)).toContain('amountMinor');
    // Three lines at the largest amount earn 1.5 billion points: more than one sale may book.
    const before = await spendable();
    const big = { currency: 'RUB', lines: [1, 2, 3].map((n) => line(String(n), 1_000_000_000_000)) };
    for (const [path, body] of [
      ['/v1/quote', { cardCode: card, basket: big }],
      ['/v1/sales', { idempotencyKey: 'big-sale-1', receiptId: 'BIG-1', cardCode: card, basket: big }],
    ] as const) {
      const answer = await api('POST', path, body);
      expect(answer.status, path).toBe(422);
      expect(answer.body.code, path).toBe('above_maximum');
    }
    expect(await spendable()).toBe(before);
  });

  it('slows down guessing at the companion page sign-in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const answer = await fetch(`${agent.url}/page/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: agent.url },
        body: JSON.stringify({ token: `guess-${i}-0123456789abcdefghijkl` }),
      });
      statuses.push(answer.status);
      if (answer.status === 429) {
        expect(((await answer.json()) as { code: string }).code).toBe('rate_limited');
        expect(answer.headers.get('retry-after')).not.toBeNull();
      }
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    // The right token is slowed down too while the window lasts: guesses cannot be interleaved.
    const right = await fetch(`${agent.url}/page/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: agent.url },
      body: JSON.stringify({ token }),
    });
    expect(right.status).toBe(429);
  });
});
