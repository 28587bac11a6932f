import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PosClient } from '../src/pos-client';

/** A real HTTP server on loopback standing in for the agent, one behaviour per test. */
let server: Server | undefined;
let connections = 0;
async function agentStub(
  handle: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<string> {
  let n = 0;
  connections = 0;
  server = createServer((req, res) => {
    n += 1;
    handle(req, res, n);
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s === undefined) return;
  s.closeAllConnections();
  await new Promise((resolve) => s.close(resolve));
});

describe('PosClient over node:http', () => {
  it('sends the token and body, returns values and refusals, and keeps one connection open', async () => {
    const seen: string[] = [];
    const url = await agentStub((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers.authorization} ${body}`);
        if (req.url === '/v1/quote') json(res, 200, { echoed: JSON.parse(body) });
        else json(res, 404, { code: 'card_unknown', message: 'not registered' });
      });
    });
    const client = new PosClient({ baseUrl: url, token: 't0k3n' });
    try {
      for (let i = 0; i < 20; i++) {
        const answer = await client.quote({ cardCode: `c${i}`, basket: { currency: 'RUB', lines: [] } });
        expect(answer).toEqual({
          ok: true,
          value: { echoed: { cardCode: `c${i}`, basket: { currency: 'RUB', lines: [] } } },
        });
      }
      expect(await client.card('2000000000015')).toEqual({
        ok: false,
        status: 404,
        error: { code: 'card_unknown', message: 'not registered' },
      });
      expect(seen.at(-1)).toBe('GET /v1/cards/2000000000015 Bearer t0k3n ');
      expect(connections).toBe(1);
    } finally {
      client.close();
    }
  });

  it('sends once more on a new connection when the agent dropped the kept one as the call went out', async () => {
    const url = await agentStub((req, res, n) => {
      // Every second request arrives on a connection the agent then drops without answering.
      if (n % 2 === 0) req.socket.destroy();
      else json(res, 200, { n });
    });
    const client = new PosClient({ baseUrl: url, token: 't' });
    try {
      expect(await client.health()).toEqual({ ok: true, value: { n: 1 } });
      expect(await client.health()).toEqual({ ok: true, value: { n: 3 } });
      expect(connections).toBe(2);
    } finally {
      client.close();
    }
  });

  it('gives loyalty_unavailable for a silent agent within the timeout, a non-JSON answer and an endless one', async () => {
    const url = await agentStub((req, res) => {
      if (req.url === '/v1/health') return; // never answers
      if (req.url === '/v1/cards/x') {
        res.writeHead(200);
        res.end('<html>proxy error</html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1_048_576, 32);
      const more = () => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once('drain', more);
      };
      more();
    });
    const client = new PosClient({ baseUrl: url, token: 't', timeoutMs: 300 });
    try {
      const started = Date.now();
      const silent = await client.health();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(silent).toMatchObject({ ok: false, status: 503, error: { code: 'loyalty_unavailable' } });
      expect(!silent.ok && silent.error.message).toContain('no answer within 300 ms');
      const html = await client.card('x');
      expect(!html.ok && html.error).toMatchObject({
        code: 'loyalty_unavailable',
        message: expect.stringContaining('without JSON'),
      });
      const patient = new PosClient({ baseUrl: url, token: 't', timeoutMs: 10_000 });
      const endless = await patient.quote({ basket: { currency: 'RUB', lines: [] } });
      patient.close();
      expect(!endless.ok && endless.error.message).toContain('answer larger than');
    } finally {
      client.close();
    }
  });

  it('refuses a base URL that is not plain http at construction', () => {
    expect(() => new PosClient({ baseUrl: 'https://till:8787', token: 't' })).toThrow(/baseUrl must be http/);
  });
});
