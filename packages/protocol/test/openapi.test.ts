import { readFileSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { apiErrorCodes, localApiOpenApi, localApiRoutes, localApiVersion, statusOfCode } from '../src/index';

type Doc = {
  info: { version: string; license: { name: string } };
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, unknown> };
};
const doc = localApiOpenApi('6760ebb201312c71') as unknown as Doc;
const text = JSON.stringify(doc);

describe('the local API OpenAPI document', () => {
  it('passes Redocly’s recommended rules with no error and no warning (examples checked against schemas)', async () => {
    for (const ruleset of ['recommended', 'recommended-strict']) {
      const config = await createConfig({ extends: [ruleset] });
      const problems = await lintFromString({ source: text, absoluteRef: '/openapi.json', config });
      expect(
        problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`),
        ruleset,
      ).toEqual([]);
    }
  }, 30_000);

  it('is versioned as the API, with a changelog entry, never as the program', () => {
    expect(doc.info.version).toBe(localApiVersion);
    expect(localApiVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(doc.info.version).not.toBe('6760ebb201312c71');
    const changelog = readFileSync(new URL('../CHANGELOG.md', import.meta.url), 'utf8');
    expect(changelog.match(/^## (\d+\.\d+\.\d+)/m)?.[1]).toBe(localApiVersion);
    expect(doc.info.license.name).toBe('Apache 2.0');
  });

  it('names every operation once and shares its schemas by $ref', () => {
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids).toEqual([
      'getHealth',
      'getCard',
      'enrolCard',
      'identifyCard',
      'sendIdentifyCode',
      'verifyIdentifyCode',
      'quote',
      'reservePoints',
      'cancelReservation',
      'commitSale',
      'returnSale',
      'cancelSale',
      'recentSales',
      'getShift',
      'getSlip',
      'printSlip',
      'streamEvents',
    ]);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Basket', 'BasketLine', 'Quote', 'Sale', 'ApiError', 'IdempotencyKey']),
    );
    expect(text.match(/"\$ref"/g)?.length).toBeGreaterThan(80);
    // The basket is written once and referred to from the three requests that carry it.
    expect(text.match(/"#\/components\/schemas\/Basket"/g)).toHaveLength(3);
  });

  it('lists for each route the statuses the agent answers with, from the one status table', () => {
    // Written out here from the agent's till session (its checks and the ledger refusals it passes on).
    const expected: Record<string, number[]> = {
      'get /v1/health': [200, 400, 401, 403, 500],
      'get /v1/cards/{cardCode}': [200, 400, 401, 403, 404, 500, 503],
      'post /v1/cards/{cardCode}/enrol': [200, 400, 401, 403, 404, 409, 413, 500, 503],
      'post /v1/cards/identify': [200, 400, 401, 403, 404, 409, 413, 422, 500, 503],
      'post /v1/cards/identify/code': [200, 400, 401, 403, 404, 413, 429, 500, 503],
      'post /v1/cards/identify/verify': [200, 400, 401, 403, 404, 410, 413, 422, 500, 503],
      'post /v1/quote': [200, 400, 401, 403, 404, 413, 422, 500, 503],
      'post /v1/reservations': [200, 400, 401, 403, 404, 409, 413, 422, 500, 503],
      'post /v1/reservations/cancel': [200, 400, 401, 403, 404, 409, 410, 413, 500, 503],
      'post /v1/sales': [200, 400, 401, 403, 404, 409, 410, 413, 422, 500, 503],
      'post /v1/returns': [200, 400, 401, 403, 404, 409, 413, 422, 500, 503],
      'post /v1/sales/{receiptId}/cancel': [200, 400, 401, 403, 404, 409, 413, 500, 503],
      'get /v1/sales/recent': [200, 400, 401, 403, 500, 503],
      'get /v1/shift': [200, 400, 401, 403, 500, 503],
      'get /v1/sales/{receiptId}/slip': [200, 400, 401, 403, 404, 500],
      'post /v1/sales/{receiptId}/print': [200, 400, 401, 403, 404, 413, 500, 503],
      'get /v1/events': [200, 401, 403, 503],
    };
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        expect(Object.keys(op.responses).map(Number), `${method} ${path}`).toEqual(
          expected[`${method} ${path}`],
        );
    // The README's promise for a sale: 403, 409, 422 and 503 among them.
    expect(Object.keys(doc.paths['/v1/sales']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['403', '409', '422', '503']),
    );
    for (const route of localApiRoutes) for (const code of route.codes) expect(apiErrorCodes).toContain(code);
    expect(Object.keys(statusOfCode).sort()).toEqual([...apiErrorCodes].sort());
  });
});
