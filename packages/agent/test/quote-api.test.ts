import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inlineLineReasons, type QuoteAnswer, sharedReasonsQuoteSchema } from '@tillpoint/protocol';
import { quoteSchema } from '@tillpoint/rules';
import { writeConfig } from '@tillpoint/test-kit/agent-process';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basketOf } from '../bench/bench-basket';
import { type RunningAgent, startAgent } from '../src/run/agent';

/**
 * `POST /v1/quote` on a real agent (its own SQLite ledger, the sample grocery program, a fixed
 * clock): the body checked by the compiled validator, refusals worded by zod, and the answer
 * with shared line reasons against the same server's inline answer (the oracle).
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const token = 'quote-test-token-0123456789abcdefghij';
let dir: string;
let agent: RunningAgent;

const post = async (body: unknown) => {
  const answer = await fetch(`${agent.url}/v1/quote`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: answer.status, json: (await answer.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tillpoint-quote-api-'));
  copyFileSync(join(fixtures, 'programs/sample-grocery.json'), join(dir, 'program.json'));
  agent = await startAgent({
    configPath: writeConfig(dir, { port: 8787, token, printerYaml: '' }),
    port: 0,
    clock: { nowMs: () => Date.parse('2027-03-08T10:00:00Z') },
    logger: pino({ level: 'silent' }),
  });
}, 30_000);
afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /v1/quote', () => {
  it('answers a 50-line basket with each line reason once when asked, the same quote as inline', async () => {
    const body = { cardCode: '2000000000015', basket: basketOf(50) };
    const inline = await post(body);
    const shared = await post({ ...body, lineReasons: 'shared' });
    expect(inline.status).toBe(200);
    expect(shared.status).toBe(200);
    const full = quoteSchema.parse(inline.json);
    const compact = sharedReasonsQuoteSchema.parse(shared.json);
    expect(inlineLineReasons(compact)).toEqual(full);
    // milk lines and the others: two rules give the 50 lines their reasons
    expect(compact.reasons.map((r) => r.ruleId).sort()).toEqual(['bronze-3', 'milk-10']);
    expect(JSON.stringify(shared.json).length).toBeLessThan(JSON.stringify(inline.json).length * 0.55);
    expect(await post({ ...body, lineReasons: 'inline' })).toEqual(inline);
    expect((full as QuoteAnswer).lines).toHaveLength(50);
  });

  it('refuses what zod refuses, in zod’s words', async () => {
    const lines = basketOf(2).lines;
    const duplicate = await post({ basket: { currency: 'RUB', lines: [lines[0], lines[0]] } });
    expect(duplicate.status).toBe(400);
    expect(duplicate.json.code).toBe('invalid_request');
    expect(duplicate.json.message).toContain('duplicate line id "1"');
    const wrongAmount = await post({ basket: { currency: 'RUB', lines: [{ ...lines[0], amountMinor: 1 }] } });
    expect(wrongAmount.json.message).toContain('is not quantity × unitPriceMinor − discountMinor');
    const text = await post({ basket: { currency: 'RUB', lines: [{ ...lines[0], quantity: '1' }] } });
    expect(text.status).toBe(400);
    expect(text.json.message).toMatch(/quantity/);
    const unknown = await post({ basket: { currency: 'RUB', lines }, lineReasons: 'some' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toMatch(/lineReasons/);
    const extra = await post({ basket: { currency: 'RUB', lines }, spend: 5 });
    expect(extra.status).toBe(400);
    expect(extra.json.message).toMatch(/spend/);
  });
});
