import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosClient } from '@tillpoint/pos-client';
import { type IdentifyAnswer, identifyAnswerSchema, sendCodeAnswerSchema } from '@tillpoint/protocol';
import { gs1CheckDigit } from '@tillpoint/scanner';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolWithHub } from '../src/sync/hub-credential';
import { eventually, fivePercentProgram, rubBasket } from './identify-kit';

/**
 * A buyer without the card, identified by phone (issue 18), with head office and two tills as
 * processes: t1 (store s1) enrolled the card with the phone; t2 (store s2) never saw it. At t2
 * the phone is asked of head office; at t1 it is found in the phone hashes head office sent.
 * Found by phone, the buyer earns; spending waits for the one-time code head office texts (the
 * log-only gateway writes it to head office's log, where this test reads it). Head office down,
 * t1 still finds the phone, the buyer earns, and no code can be sent.
 */
const token = 'identify-token-0123456789abcdefghij';
const card = `200000000101${gs1CheckDigit('200000000101')}`;
const phone = '+79165550101';
const program = fivePercentProgram;
const basket = rubBasket;

describe('a buyer identified by phone, head office and two tills as processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-identify-'));
  let hub: HubProcess;
  const agents = new Map<string, AgentProcess>();
  let n = 0;

  const call = async (till: string, path: string, body: unknown) => {
    const res = await fetch(`${agents.get(till)?.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const identify = async (till: string, typed: string) => {
    const r = await call(till, '/v1/cards/identify', { phone: typed });
    return r.status === 200
      ? { ...r, answer: identifyAnswerSchema.parse(r.body) }
      : { ...r, answer: undefined };
  };
  const sell = (till: string, rub: number, extra: Record<string, unknown>) => {
    n += 1;
    return call(till, '/v1/sales', {
      idempotencyKey: `identify-sale-${n}`,
      receiptId: `R-${n}`,
      cardCode: card,
      basket: basket(rub),
      ...extra,
    });
  };
  const spendable = async (till: string) => {
    const res = await fetch(`${agents.get(till)?.url}/v1/cards/${card}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return res.status === 200 ? ((await res.json()) as { spendablePoints: number }).spendablePoints : -1;
  };
  const codeInHubLog = (after: number): string | undefined =>
    [...hub.output.slice(after).matchAll(/Your loyalty code: (\d{6})/g)].at(-1)?.[1];

  beforeAll(async () => {
    hub = await HubProcess.create(dir);
    const codes = new Map([
      ['t1', await hub.tillCode('s1', 't1')],
      ['t2', await hub.tillCode('s2', 't2')],
    ]);
    await hub.start();
    for (const [tillId, storeId] of [
      ['t1', 's1'],
      ['t2', 's2'],
    ] as const) {
      const home = join(dir, tillId);
      mkdirSync(home);
      writeFileSync(join(home, 'program.json'), JSON.stringify(program));
      const port = await freePort();
      const config = writeConfig(home, { port, token, tillId, storeId });
      appendFileSync(
        config,
        `\nheadOffice:\n  url: ${hub.url}\n  intervalSeconds: 1\n  backoffMaxSeconds: 1\n  requestTimeoutSeconds: 2\n`,
      );
      await enrolWithHub({
        url: hub.url,
        code: codes.get(tillId) as string,
        tillId,
        credentialFile: join(home, 'data', 'hub-credential.json'),
      });
      const proc = new AgentProcess(config, `http://127.0.0.1:${port}`, token);
      await proc.start();
      agents.set(tillId, proc);
    }
  }, 120_000);

  afterAll(async () => {
    for (const a of agents.values()) await a.stop();
    await hub?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('finds the card by phone, lets it earn, and spend only after the code sent to the phone', async () => {
    const enrolled = await call('t1', `/v1/cards/${card}/enrol`, {
      idempotencyKey: 'identify-enrol-1',
      phone,
      consent: true,
    });
    expect(enrolled.status).toBe(200);
    expect((await sell('t1', 10_000, {})).status).toBe(200); // 5 % of 10,000 RUB: 500 points

    // t2 never saw the card: it asks head office, once head office holds the phone.
    const atT2 = await eventually(
      () => identify('t2', '+7 (916) 555-01-01'),
      (r) => r.status === 200,
    );
    expect(atT2.answer).toMatchObject({
      cardCode: card,
      by: 'phone',
      foundAt: 'head_office',
      spending: 'code_needed',
    });
    const id = (atT2.answer as IdentifyAnswer).identificationId;
    // t2 learns the card's points from head office (the card is now seen in store s2).
    expect(
      await eventually(
        () => spendable('t2'),
        (p) => p === 500,
      ),
    ).toBe(500);

    // Found by phone only: earning goes, spending is refused until the code.
    const quoteSpend = await call('t2', '/v1/quote', {
      cardCode: card,
      identificationId: id,
      basket: basket(1_000),
      spendPoints: 100,
    });
    expect([quoteSpend.status, quoteSpend.body.code]).toEqual([403, 'spend_needs_code']);
    const spendRefused = await sell('t2', 1_000, { identificationId: id, spendPoints: 100 });
    expect([spendRefused.status, spendRefused.body.code]).toEqual([403, 'spend_needs_code']);
    const reserveRefused = await call('t2', '/v1/reservations', {
      idempotencyKey: 'identify-hold-1',
      cardCode: card,
      identificationId: id,
      basket: basket(1_000),
      spendPoints: 100,
    });
    expect([reserveRefused.status, reserveRefused.body.code]).toEqual([403, 'spend_needs_code']);
    const earned = await sell('t2', 1_000, { identificationId: id });
    expect([earned.status, earned.body.earnedPoints]).toEqual([200, 50]);
    // Another card's code with this identification is refused.
    const otherCard = await call('t2', '/v1/quote', {
      cardCode: `200000000200${gs1CheckDigit('200000000200')}`,
      identificationId: id,
      basket: basket(10),
    });
    expect([otherCard.status, otherCard.body.code]).toEqual([404, 'identification_unknown']);

    // The code: head office texts it (its log, with the log-only gateway); a wrong one is refused.
    const logFrom = hub.output.length;
    const sent = await call('t2', '/v1/cards/identify/code', { identificationId: id });
    expect(sent.status).toBe(200);
    sendCodeAnswerSchema.parse(sent.body);
    const code = await eventually(
      async () => codeInHubLog(logFrom),
      (c) => c !== undefined,
      5_000,
    );
    expect(code).toMatch(/^\d{6}$/);
    expect(hub.output.slice(logFrom)).not.toContain(phone); // the log shows the phone masked
    const wrong = await call('t2', '/v1/cards/identify/verify', {
      identificationId: id,
      code: code === '000000' ? '000001' : '000000',
    });
    expect([
      wrong.status,
      wrong.body.code,
      (wrong.body.details as { attemptsLeft: number }).attemptsLeft,
    ]).toEqual([422, 'code_wrong', 4]);
    const right = await call('t2', '/v1/cards/identify/verify', { identificationId: id, code });
    expect(right.status).toBe(200);
    expect(identifyAnswerSchema.parse(right.body)).toMatchObject({ by: 'phone_code', spending: 'allowed' });
    const spent = await sell('t2', 1_000, { identificationId: id, spendPoints: 100 });
    expect([spent.status, spent.body.spentPoints]).toEqual([200, 100]);
    // The same code again: used.
    const reused = await call('t2', '/v1/cards/identify/verify', { identificationId: id, code });
    expect([reused.status, reused.body.code]).toEqual([410, 'code_expired']);

    // The same through @tillpoint/pos-client's methods, as an integrator calls them.
    const pos = new PosClient({ baseUrl: agents.get('t2')?.url as string, token, timeoutMs: 5_000 });
    const again = await pos.identify({ phone });
    expect(again.ok && [again.value.cardCode, again.value.by, again.value.spending]).toEqual([
      card,
      'phone',
      'code_needed',
    ]);
    const usedViaPos = await pos.verifyIdentifyCode({ identificationId: id, code: code as string });
    expect(usedViaPos.ok ? 'accepted' : usedViaPos.error.code).toBe('code_expired');
  }, 90_000);

  it('finds the phone at the till from head office’s snapshot, and with head office down lets the buyer earn only', async () => {
    const atT1 = await eventually(
      () => identify('t1', phone),
      (r) => r.answer?.foundAt === 'till',
    );
    expect(atT1.answer).toMatchObject({ cardCode: card, foundAt: 'till', spending: 'code_needed' });
    const unknown = await identify('t1', '+79160000000');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'phone_unknown']);

    await hub.kill('SIGTERM');
    const offline = await eventually(
      () => identify('t1', phone),
      (r) => r.answer?.spending === 'earn_only',
    );
    expect(offline.answer).toMatchObject({ cardCode: card, foundAt: 'till', spending: 'earn_only' });
    expect(offline.answer?.message).toContain('not spend');
    const id = (offline.answer as IdentifyAnswer).identificationId;
    const noCode = await call('t1', '/v1/cards/identify/code', { identificationId: id });
    expect([noCode.status, noCode.body.code]).toEqual([503, 'head_office_unreachable']);
    const refused = await sell('t1', 1_000, { identificationId: id, spendPoints: 10 });
    expect([refused.status, refused.body.code]).toEqual([403, 'spend_needs_code']);
    const earned = await sell('t1', 1_000, { identificationId: id });
    expect([earned.status, earned.body.earnedPoints]).toEqual([200, 50]);
    // A phone this till does not hold, head office away: unknown, and the cashier is told why.
    const away = await identify('t1', '+79160000000');
    expect([away.status, away.body.code]).toEqual([404, 'phone_unknown']);
    expect(away.body.message).toContain('head office cannot be asked');
  }, 90_000);
});
