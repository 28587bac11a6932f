import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { HubStore } from '../../hub-store';
import { HubStoreError } from '../../hub-store-error';
import { type HubKeys, signProgram } from '../../rule-signing';
import { refusal } from '../admin-errors';
import { type AdminRoute, adminRoute } from '../admin-route';

/** The program file's text: it must fit the admin API's 64 KiB body with its JSON escaping. */
export const programTextMax = 48 * 1024;

export const publishRequestSchema = z.strictObject({
  version: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (e.g. 2026-12), at most 64'),
  effectiveFrom: z.iso.datetime({ offset: true, error: 'a time such as 2026-12-01T00:00:00Z' }),
  programText: z.string().min(2).max(programTextMax),
});

/**
 * Rule publication from the console (marketers): the program file's text is validated with the
 * program schema the tills use before head office signs it (a refusal names every problem with
 * its path), then published as `publish-rules` does; tills switch at `effectiveFrom`. Audited
 * with the version, the time and a digest of the published text.
 */
export function ruleRoutes(hub: HubStore, keys: HubKeys): AdminRoute[] {
  const publish = adminRoute({
    method: 'POST',
    url: '/rules',
    access: 'rules.publish',
    tag: 'rules',
    summary: 'Validate, sign and publish a program as a rule set (tills switch at effectiveFrom); audited',
    status: 201,
    body: publishRequestSchema,
    response: z.object({ version: z.string(), effectiveFrom: z.string(), sha256: z.string() }),
    async handle({ body, audit }) {
      const effectiveFrom = Date.parse(body.effectiveFrom);
      const signed = signProgram(keys, {
        version: body.version,
        effectiveFrom,
        programText: body.programText,
      });
      if (!signed.ok) return refusal('rule_set_invalid', signed.message);
      try {
        await hub.publishRuleSet(signed.value);
      } catch (error) {
        if (error instanceof HubStoreError && error.code === 'conflict')
          return refusal('rule_set_conflict', error.message);
        throw error;
      }
      const published = {
        version: body.version,
        effectiveFrom: new Date(effectiveFrom).toISOString(),
        sha256: createHash('sha256').update(signed.value.ruleSetJson).digest('hex'),
      };
      await audit({ action: 'rules.publish', target: `rule_set:${body.version}`, after: published });
      return { ok: true, body: published };
    },
  });
  return [publish] as AdminRoute[];
}
